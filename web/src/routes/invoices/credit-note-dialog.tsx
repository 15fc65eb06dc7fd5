import {
  Alert,
  Button,
  Checkbox,
  Group,
  Modal,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { api } from "../../api.js";
import {
  type ApprovalRequested,
  CREDIT_NOTE_OUTCOMES,
  CREDIT_NOTE_REASONS,
  type CreditNote,
  type Invoice,
} from "../../billing.js";
import { Amount, ErrorAlert, fieldError } from "../../components/ui.js";
import { formatAmount, humanize } from "../../format.js";

/**
 * Credit an open invoice: the whole of it, or chosen lines (whole, a quantity
 * or an amount of each). The figures are previewed by the API before anything
 * is issued; changing any field asks for a new preview.
 */

type LineMode = "whole" | "quantity" | "amount";
interface LineChoice {
  selected: boolean;
  mode: LineMode;
  value: string;
}

const OUTCOME_HELP: Record<string, string> = {
  reduce_amount_due: "Lowers what the customer owes on this invoice.",
  credit_balance: "Adds to the customer's credit balance, used on their next invoices.",
  refund: "Records a refund to be paid out to the customer.",
};

export function CreditNoteDialog(props: { invoice: Invoice; opened: boolean; onClose: () => void }) {
  const invoice = props.invoice;
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [scope, setScope] = useState<"whole_invoice" | "lines">("whole_invoice");
  const [choices, setChoices] = useState<Record<string, LineChoice>>({});
  const [reason, setReason] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<string | null>("reduce_amount_due");
  const [memo, setMemo] = useState("");
  const [preview, setPreview] = useState<CreditNote | null>(null);

  const body = () => ({
    invoice: invoice.id,
    scope,
    ...(scope === "lines"
      ? {
          lines: invoice.lines
            .filter((line) => choices[line.id]?.selected === true)
            .map((line) => {
              const choice = choices[line.id] as LineChoice;
              if (choice.mode === "quantity") return { line: line.id, quantity: choice.value.trim() };
              if (choice.mode === "amount") return { line: line.id, amount: choice.value.trim() };
              return { line: line.id };
            }),
        }
      : {}),
    reason: reason ?? undefined,
    outcome: outcome ?? undefined,
    ...(memo.trim() === "" ? {} : { memo: memo.trim() }),
  });

  const previewing = useMutation({
    mutationFn: () => api.post<CreditNote>("/v1/credit_notes/preview", body()),
    onSuccess: setPreview,
  });
  const issuing = useMutation({
    mutationFn: () => api.post<CreditNote | ApprovalRequested>("/v1/credit_notes", body()),
    onSuccess: async (result) => {
      await queryClient.invalidateQueries({ queryKey: ["invoice", invoice.id] });
      await queryClient.invalidateQueries({ queryKey: ["credit_notes"] });
      const pending = "approval" in result || (result.status !== undefined && result.status !== "issued");
      notifications.show(
        pending
          ? {
              color: "yellow",
              title: "Sent for approval",
              message: "The credit note is issued once a second person approves it on the Approvals page.",
            }
          : { color: "teal", title: "Credit note issued", message: "number" in result ? (result.number ?? "") : "" },
      );
      close();
      if ("id" in result && typeof result.id === "string")
        await navigate({ to: "/credit-notes/$id", params: { id: result.id }, search: {} });
    },
  });

  // Any change makes the previewed figures stale.
  const changed = () => {
    setPreview(null);
    previewing.reset();
    issuing.reset();
  };
  const close = () => {
    setScope("whole_invoice");
    setChoices({});
    setReason(null);
    setOutcome("reduce_amount_due");
    setMemo("");
    changed();
    props.onClose();
  };
  const choose = (lineId: string, change: Partial<LineChoice>) => {
    setChoices((all) => ({
      ...all,
      [lineId]: { selected: false, mode: "whole", value: "", ...all[lineId], ...change },
    }));
    changed();
  };
  const error = issuing.error ?? previewing.error;

  return (
    <Modal opened={props.opened} onClose={close} title="Create a credit note" size="xl">
      <Stack gap="sm">
        <ErrorAlert error={error} title={issuing.error === null ? "The preview failed" : "Not issued"} />
        <SegmentedControl
          value={scope}
          onChange={(value) => {
            setScope(value as "whole_invoice" | "lines");
            changed();
          }}
          data={[
            { value: "whole_invoice", label: "Whole invoice" },
            { value: "lines", label: "Chosen lines" },
          ]}
        />
        {scope === "lines" ? (
          <Table withTableBorder>
            <Table.Thead className="table-head">
              <Table.Tr>
                <Table.Th w={40} />
                <Table.Th>Line</Table.Th>
                <Table.Th ta="right">Amount</Table.Th>
                <Table.Th>Credit</Table.Th>
                <Table.Th w={140} />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {invoice.lines.map((line, index) => {
                const choice = choices[line.id] ?? { selected: false, mode: "whole" as LineMode, value: "" };
                return (
                  <Table.Tr key={line.id}>
                    <Table.Td>
                      <Checkbox
                        aria-label={`Credit ${line.description}`}
                        checked={choice.selected}
                        onChange={(event) => choose(line.id, { selected: event.currentTarget.checked })}
                      />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{line.description}</Text>
                      <Text size="xs" c="dimmed">
                        {line.quantity} × {formatAmount(line.unit_amount, invoice.currency)}
                      </Text>
                    </Table.Td>
                    <Table.Td ta="right">
                      <Amount value={line.amount} currency={invoice.currency} />
                    </Table.Td>
                    <Table.Td>
                      <SegmentedControl
                        size="xs"
                        disabled={!choice.selected}
                        value={choice.mode}
                        onChange={(mode) => choose(line.id, { mode: mode as LineMode })}
                        data={[
                          { value: "whole", label: "Whole line" },
                          { value: "quantity", label: "Quantity" },
                          { value: "amount", label: "Amount" },
                        ]}
                      />
                    </Table.Td>
                    <Table.Td>
                      {choice.selected && choice.mode !== "whole" ? (
                        <TextInput
                          size="xs"
                          aria-label={choice.mode === "quantity" ? "Quantity to credit" : "Amount to credit"}
                          placeholder={choice.mode === "quantity" ? line.quantity : "net of tax"}
                          value={choice.value}
                          onChange={(event) => choose(line.id, { value: event.currentTarget.value })}
                          error={fieldError(error, `lines.${index}`) === undefined ? undefined : true}
                        />
                      ) : null}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        ) : null}
        <Group grow align="flex-start">
          <Select
            label="Reason"
            placeholder="Why the customer is credited"
            required
            data={CREDIT_NOTE_REASONS.map((value) => ({ value, label: humanize(value) }))}
            value={reason}
            onChange={(value) => {
              setReason(value);
              changed();
            }}
            error={fieldError(error, "reason")}
          />
          <Select
            label="Outcome"
            required
            data={CREDIT_NOTE_OUTCOMES.map((value) => ({ value, label: humanize(value) }))}
            value={outcome}
            onChange={(value) => {
              setOutcome(value);
              changed();
            }}
            description={outcome === null ? undefined : OUTCOME_HELP[outcome]}
            error={fieldError(error, "outcome")}
          />
        </Group>
        <Textarea
          label="Memo"
          placeholder="Optional: shown on the credit note"
          autosize
          minRows={2}
          value={memo}
          onChange={(event) => {
            setMemo(event.currentTarget.value);
            changed();
          }}
          error={fieldError(error, "memo")}
        />
        {preview === null ? null : <CreditPreview note={preview} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          {preview === null ? (
            <Button loading={previewing.isPending} onClick={() => previewing.mutate()}>
              Preview
            </Button>
          ) : (
            <Button color="red" loading={issuing.isPending} onClick={() => issuing.mutate()}>
              Issue credit note
            </Button>
          )}
        </Group>
      </Stack>
    </Modal>
  );
}

function CreditPreview(props: { note: CreditNote }) {
  const note = props.note;
  return (
    <Alert color="blue" variant="light" title="What will be credited" data-testid="credit-preview">
      <Table>
        <Table.Tbody>
          {note.lines.map((line, index) => (
            <Table.Tr key={line.invoice_line_id ?? index}>
              <Table.Td>
                <Text size="sm">{line.description}</Text>
              </Table.Td>
              <Table.Td ta="right">
                <Amount value={line.net_amount} currency={note.currency} />
              </Table.Td>
              <Table.Td ta="right">
                <Text size="xs" c="dimmed">
                  tax{" "}
                </Text>
                <Amount value={line.tax_amount} currency={note.currency} />
              </Table.Td>
            </Table.Tr>
          ))}
          <Table.Tr>
            <Table.Td>
              <Text size="sm" fw={600}>
                Total credited (subtotal <Amount value={note.subtotal} currency={note.currency} />, tax{" "}
                <Amount value={note.tax} currency={note.currency} />)
              </Text>
            </Table.Td>
            <Table.Td colSpan={2} ta="right">
              <Amount value={note.total} currency={note.currency} strong />
            </Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
      {note.invoice_amount_due_after === undefined ? null : (
        <Text size="sm" mt="xs">
          Amount due on the invoice afterwards:{" "}
          <Amount value={note.invoice_amount_due_after} currency={note.currency} strong />
        </Text>
      )}
      {note.approval_required === true ? (
        <Text size="sm" mt="xs" c="orange.8">
          This credit note needs a second person's approval before it is issued.
        </Text>
      ) : null}
    </Alert>
  );
}
