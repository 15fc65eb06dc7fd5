import {
  Alert,
  Anchor,
  Badge,
  Button,
  Grid,
  Group,
  Modal,
  Paper,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { Decimal } from "decimal.js";
import { type ReactNode, useState } from "react";
import { api } from "../../api.js";
import { type ApprovalRequested, type Invoice, type InvoiceLine, utcInstant, utcLocal } from "../../billing.js";
import { AppLink, BillingStatusBadge, CustomerLink } from "../../components/billing-ui.js";
import { Amount, ErrorAlert, fieldError, MessageRow, PageHeader } from "../../components/ui.js";
import { formatAmount, formatInstant, isZero } from "../../format.js";
import {
  isUsageLine,
  lineSourceText,
  ratingSummary,
  type UsageRatingRun,
  type UsageRatingSkipped,
  usagePeriodsOf,
} from "../../usage.js";
import { ReviewPanel, useInvoiceReview } from "../review/review-panel.js";
import { CreditNoteDialog } from "./credit-note-dialog.js";
import { InvoiceCreditNotes } from "./invoice-credit-notes.js";
import { LineExplainDrawer } from "./line-explain-drawer.js";

const route = getRouteApi("/signed-in/invoices/$id");

export function invoicePath(id: string): string {
  return `/v1/invoices/${encodeURIComponent(id)}`;
}

export function InvoiceDetailPage() {
  const { id } = route.useParams();
  const invoice = useQuery({ queryKey: ["invoice", id], queryFn: () => api.get<Invoice>(invoicePath(id)) });
  if (invoice.data === undefined)
    return (
      <>
        <PageHeader title="Invoice" />
        <ErrorAlert error={invoice.error} title="The invoice could not be loaded" />
        {invoice.isPending ? (
          <Text size="sm" c="dimmed">
            Loading…
          </Text>
        ) : null}
      </>
    );
  // Keyed by id: moving to another invoice starts with its own dialogs and approval state.
  return <InvoiceView key={invoice.data.id} invoice={invoice.data} />;
}

type Dialog = "details" | "line" | "void" | "uncollectible" | "credit" | null;

function InvoiceView(props: { invoice: Invoice }) {
  const invoice = props.invoice;
  const draft = invoice.status === "draft";
  const [dialog, setDialog] = useState<Dialog>(null);
  const [editing, setEditing] = useState<InvoiceLine | null>(null);
  const [explaining, setExplaining] = useState<InvoiceLine | null>(null);
  const [approval, setApproval] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const review = useInvoiceReview(invoice.id, draft);
  const refresh = async (updated?: Invoice) => {
    if (updated !== undefined) queryClient.setQueryData(["invoice", invoice.id], updated);
    await queryClient.invalidateQueries({ queryKey: ["invoice", invoice.id] });
    await queryClient.invalidateQueries({ queryKey: ["invoice_review", invoice.id] });
    await queryClient.invalidateQueries({ queryKey: ["invoices"] });
    await queryClient.invalidateQueries({ queryKey: ["review_queue"] });
  };
  const finalize = useMutation({
    mutationFn: () => api.post<Invoice | ApprovalRequested>(`${invoicePath(invoice.id)}/finalize`),
    onSuccess: async (result) => {
      if ("approval" in result) {
        setApproval(result.approval.id);
        notifications.show({ color: "yellow", title: "Sent for approval", message: "A second person must approve." });
        return;
      }
      notifications.show({ color: "teal", title: "Invoice finalized", message: result.number ?? "" });
      await refresh(result);
    },
  });
  // A draft's script-rated usage, rated again with the scripts and rate cards in force now (POST /v1/usage/rate).
  const usagePeriods = draft ? usagePeriodsOf(invoice.lines) : [];
  const rerate = useMutation({
    mutationFn: async () => {
      const results: (UsageRatingRun | UsageRatingSkipped)[] = [];
      for (const period of usagePeriods) {
        const { data } = await api.post<{ data: (UsageRatingRun | UsageRatingSkipped)[] }>("/v1/usage/rate", {
          customer: invoice.customer_id,
          period_start: period.start,
          period_end: period.end,
        });
        results.push(...data);
      }
      return results;
    },
    onSuccess: async (results) => {
      notifications.show({
        color: "teal",
        title: "Usage rated again",
        message: results.map(ratingSummary).join(" · "),
      });
      await refresh();
    },
  });
  const blockedByReview = review.data !== undefined && !review.data.can_finalize;
  const creditable = ["open", "paid", "uncollectible"].includes(invoice.status);

  return (
    <>
      <PageHeader
        title={invoice.number === null ? "Draft invoice" : `Invoice ${invoice.number}`}
        description={
          <Group gap="xs" component="span">
            <BillingStatusBadge status={invoice.status} />
            <Text span size="sm" c="dimmed" className="mono">
              {invoice.id}
            </Text>
          </Group>
        }
        actions={
          <>
            {draft ? (
              <>
                <Button variant="default" onClick={() => setDialog("details")}>
                  Edit PO / memo
                </Button>
                <Button
                  variant="default"
                  onClick={() => {
                    setEditing(null);
                    setDialog("line");
                  }}
                >
                  Add line
                </Button>
                {usagePeriods.length === 0 ? null : (
                  <Button
                    variant="default"
                    onClick={() => rerate.mutate()}
                    loading={rerate.isPending}
                    title="Rate this draft's usage again with the charge script and rate cards in force now"
                  >
                    Rate usage again
                  </Button>
                )}
                <Button
                  onClick={() => finalize.mutate()}
                  loading={finalize.isPending}
                  disabled={blockedByReview || approval !== null}
                  title={blockedByReview ? "Fix or override the blocking findings first" : undefined}
                >
                  Finalize
                </Button>
              </>
            ) : null}
            {creditable ? (
              <Button variant="default" onClick={() => setDialog("credit")}>
                Create credit note
              </Button>
            ) : null}
            {invoice.status === "open" ? (
              <Button variant="light" color="orange" onClick={() => setDialog("uncollectible")}>
                Mark uncollectible
              </Button>
            ) : null}
            {invoice.status === "open" || invoice.status === "uncollectible" ? (
              <Button variant="light" color="red" onClick={() => setDialog("void")}>
                Void
              </Button>
            ) : null}
          </>
        }
      />
      <ErrorAlert error={finalize.error} title="Not finalized" />
      <ErrorAlert error={rerate.error} title="The usage was not rated again" />
      {approval === null ? null : (
        <Alert color="yellow" variant="light" title="Sent for approval" mb="sm" data-testid="sent-for-approval">
          <Text size="sm">
            This invoice is finalized once a second person approves it.{" "}
            <AppLink to="/approvals">Open approvals</AppLink>
          </Text>
        </Alert>
      )}
      <Grid gap="md">
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <Stack gap="md">
            <InvoiceHeader invoice={invoice} />
            {draft ? <ReviewPanel invoiceId={invoice.id} /> : null}
            <LinesTable
              invoice={invoice}
              onEdit={(line) => {
                setEditing(line);
                setDialog("line");
              }}
              onExplain={setExplaining}
              onChanged={refresh}
            />
            {creditable || invoice.status === "void" ? <InvoiceCreditNotes invoiceId={invoice.id} /> : null}
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <PdfPreview invoice={invoice} />
        </Grid.Col>
      </Grid>
      <DetailsModal
        key={`${invoice.po_number ?? ""}|${invoice.memo ?? ""}`}
        invoice={invoice}
        opened={dialog === "details"}
        onClose={() => setDialog(null)}
        onSaved={refresh}
      />
      <LineModal
        invoice={invoice}
        line={editing}
        opened={dialog === "line"}
        onClose={() => setDialog(null)}
        onSaved={refresh}
      />
      <TransitionModal
        invoice={invoice}
        action={dialog === "void" || dialog === "uncollectible" ? dialog : null}
        onClose={() => setDialog(null)}
        onDone={refresh}
      />
      <CreditNoteDialog invoice={invoice} opened={dialog === "credit"} onClose={() => setDialog(null)} />
      <LineExplainDrawer line={explaining} currency={invoice.currency} onClose={() => setExplaining(null)} />
    </>
  );
}

function Field(props: { label: string; children: ReactNode }) {
  return (
    <Stack gap={0} miw={0}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {props.label}
      </Text>
      <Text size="sm" component="div" style={{ overflowWrap: "anywhere" }}>
        {props.children}
      </Text>
    </Stack>
  );
}

function InvoiceHeader(props: { invoice: Invoice }) {
  const invoice = props.invoice;
  return (
    <Paper withBorder radius="sm" p="md">
      <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="md" verticalSpacing="sm">
        <Field label="Number">
          <span data-testid="invoice-number">{invoice.number ?? "Assigned when finalized"}</span>
        </Field>
        <Field label="Customer">
          <CustomerLink id={invoice.customer_id} />
        </Field>
        <Field label="Issue date">{invoice.issue_date ?? "—"}</Field>
        <Field label="Due date">{invoice.due_date ?? "—"}</Field>
        <Field label="PO number">{invoice.po_number ?? "—"}</Field>
        <Field label="Currency">{invoice.currency}</Field>
        <Field label="Created">{formatInstant(invoice.created_at)}</Field>
        <Field label={invoice.voided_at !== null ? "Voided" : "Finalized"}>
          {formatInstant(invoice.voided_at ?? invoice.uncollectible_at ?? invoice.finalized_at)}
        </Field>
        <Field label="Subscription">
          {invoice.subscription_id === null ? (
            "—"
          ) : (
            <AppLink to={`/subscriptions/${encodeURIComponent(invoice.subscription_id)}`}>
              <span className="mono">{invoice.subscription_id}</span>
            </AppLink>
          )}
        </Field>
        <Field label="Ledger entry">
          {invoice.ledger_entry_id === null ? (
            "—"
          ) : (
            <AppLink to={`/ledger/entries?source_id=${invoice.id}&entry=${invoice.ledger_entry_id}`}>
              View posting
            </AppLink>
          )}
        </Field>
      </SimpleGrid>
      {invoice.memo === null ? null : (
        <Text size="sm" mt="sm" style={{ whiteSpace: "pre-wrap" }}>
          <Text span size="xs" c="dimmed" tt="uppercase" fw={600}>
            Memo{" "}
          </Text>
          {invoice.memo}
        </Text>
      )}
    </Paper>
  );
}

interface TaxRow {
  name: string;
  rate: string;
  base: string;
  amount: string;
}

/** One row per distinct tax, with the net it applies to: the breakdown printed on the invoice. */
function taxBreakdown(lines: readonly InvoiceLine[]): TaxRow[] {
  const rows = new Map<string, { name: string; rate: string; base: Decimal; amount: Decimal }>();
  for (const line of lines) {
    if (new Decimal(line.tax_rate).isZero() && new Decimal(line.tax_amount).isZero()) continue;
    const key = `${line.tax_name}|${new Decimal(line.tax_rate).toString()}`;
    const row = rows.get(key) ?? {
      name: line.tax_name,
      rate: new Decimal(line.tax_rate).toString(),
      base: new Decimal(0),
      amount: new Decimal(0),
    };
    row.base = row.base.plus(line.amount);
    row.amount = row.amount.plus(line.tax_amount);
    rows.set(key, row);
  }
  return [...rows.values()].map((row) => ({ ...row, base: row.base.toFixed(), amount: row.amount.toFixed() }));
}

function periodText(period: InvoiceLine["period"]): string | null {
  if (period === null) return null;
  return `${period.start.slice(0, 10)} → ${period.end.slice(0, 10)}`;
}

function LinesTable(props: {
  invoice: Invoice;
  onEdit: (line: InvoiceLine) => void;
  onExplain: (line: InvoiceLine) => void;
  onChanged: (invoice?: Invoice) => Promise<void>;
}) {
  const invoice = props.invoice;
  const draft = invoice.status === "draft";
  const columns = draft ? 6 : 5;
  const remove = useMutation({
    mutationFn: (lineId: string) =>
      api.delete<Invoice>(`${invoicePath(invoice.id)}/lines/${encodeURIComponent(lineId)}`),
    onSuccess: (updated) => props.onChanged(updated),
  });
  const taxes = taxBreakdown(invoice.lines);
  const currency = invoice.currency;
  return (
    <Paper withBorder radius="sm">
      <ErrorAlert error={remove.error} title="The line was not removed" />
      <Table data-testid="invoice-lines">
        <Table.Thead className="table-head">
          <Table.Tr>
            <Table.Th>Description</Table.Th>
            <Table.Th ta="right">Quantity</Table.Th>
            <Table.Th ta="right">Unit</Table.Th>
            <Table.Th ta="right">Tax</Table.Th>
            <Table.Th ta="right">Amount</Table.Th>
            {draft ? <Table.Th /> : null}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {invoice.lines.length === 0 ? <MessageRow columns={columns}>This invoice has no lines.</MessageRow> : null}
          {invoice.lines.map((line) => (
            <Table.Tr key={line.id}>
              <Table.Td>
                <Text size="sm">
                  {line.description}{" "}
                  {line.proration ? (
                    <Badge component="span" size="xs" variant="light" color="grape">
                      Proration
                    </Badge>
                  ) : null}
                </Text>
                {line.period === null ? null : (
                  <Text size="xs" c="dimmed" className="mono">
                    {periodText(line.period)}
                  </Text>
                )}
                <Text size="xs" c="dimmed" style={{ overflowWrap: "anywhere" }}>
                  {lineSourceText(line)}
                </Text>
                {isUsageLine(line) ? (
                  <Button size="compact-xs" variant="light" mt={4} onClick={() => props.onExplain(line)}>
                    Explain
                  </Button>
                ) : null}
              </Table.Td>
              <Table.Td ta="right" className="mono">
                {line.quantity}
              </Table.Td>
              <Table.Td ta="right">
                <Amount value={line.unit_amount} currency={currency} />
              </Table.Td>
              <Table.Td ta="right">
                <Amount value={line.tax_amount} currency={currency} dimZero />
                {isZero(line.tax_rate) ? null : (
                  <Text size="xs" c="dimmed">
                    {line.tax_name} {line.tax_rate} %
                  </Text>
                )}
              </Table.Td>
              <Table.Td ta="right">
                <Amount value={line.amount} currency={currency} />
              </Table.Td>
              {draft ? (
                <Table.Td ta="right">
                  <Group gap={4} wrap="nowrap" justify="flex-end">
                    <Button size="compact-xs" variant="subtle" onClick={() => props.onEdit(line)}>
                      Edit
                    </Button>
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      color="red"
                      loading={remove.isPending && remove.variables === line.id}
                      onClick={() => remove.mutate(line.id)}
                    >
                      Remove
                    </Button>
                  </Group>
                </Table.Td>
              ) : null}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Table className="totals" data-testid="invoice-totals">
        <Table.Tbody>
          <TotalRow label="Subtotal" value={invoice.subtotal} currency={currency} />
          {isZero(invoice.discount) ? null : (
            <TotalRow label="Discounts" value={`-${invoice.discount}`} currency={currency} />
          )}
          {taxes.map((tax) => (
            <TotalRow
              key={`${tax.name}|${tax.rate}`}
              label={`${tax.name} ${tax.rate} % on ${formatAmount(tax.base, currency)}`}
              value={tax.amount}
              currency={currency}
            />
          ))}
          {taxes.length === 0 ? <TotalRow label="Tax" value={invoice.tax} currency={currency} /> : null}
          <TotalRow label="Total" value={invoice.total} currency={currency} strong />
          {invoice.credited_total === undefined || isZero(invoice.credited_total) ? null : (
            <TotalRow label="Credited" value={`-${invoice.credited_total}`} currency={currency} />
          )}
          <TotalRow label="Amount due" value={invoice.amount_due} currency={currency} strong />
        </Table.Tbody>
      </Table>
    </Paper>
  );
}

function TotalRow(props: { label: string; value: string; currency: string; strong?: boolean }) {
  return (
    <Table.Tr>
      <Table.Td ta="right">
        <Text size="sm" fw={props.strong === true ? 600 : undefined} c={props.strong === true ? undefined : "dimmed"}>
          {props.label}
        </Text>
      </Table.Td>
      <Table.Td ta="right" w={160}>
        <Amount value={props.value} currency={props.currency} strong={props.strong ?? false} />
      </Table.Td>
    </Table.Tr>
  );
}

/** The PDF as the customer receives it (a draft renders numbered DRAFT); reloaded when the invoice changes. */
/** A short fingerprint of a text (32-bit FNV-1a, hex): enough to tell one version of an invoice from the next. */
function textHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16);
}

function PdfPreview(props: { invoice: Invoice }) {
  const invoice = props.invoice;
  // Anything the PDF prints: a change reloads it (a re-rating can change lines and leave the total, under a minimum).
  const version = textHash(
    JSON.stringify([
      invoice.status,
      invoice.number,
      invoice.total,
      invoice.po_number,
      invoice.memo,
      invoice.lines.map((line) => [line.description, line.quantity, line.unit_amount, line.amount, line.tax_amount]),
    ]),
  );
  const src = `${invoicePath(invoice.id)}/pdf#v=${encodeURIComponent(version)}`;
  return (
    <Paper withBorder radius="sm" p="xs" style={{ position: "sticky", top: 60 }}>
      <Group justify="space-between" mb={4} px={4}>
        <Title order={5}>PDF</Title>
        <Anchor href={`${invoicePath(invoice.id)}/pdf`} target="_blank" rel="noreferrer" size="sm">
          Open in a new tab
        </Anchor>
      </Group>
      <iframe
        key={version}
        title="Invoice PDF preview"
        data-testid="pdf-preview"
        src={src}
        style={{ width: "100%", height: "75vh", border: "1px solid var(--mantine-color-gray-3)", borderRadius: 4 }}
      />
    </Paper>
  );
}

function DetailsModal(props: {
  invoice: Invoice;
  opened: boolean;
  onClose: () => void;
  onSaved: (invoice: Invoice) => Promise<void>;
}) {
  const [po, setPo] = useState(props.invoice.po_number ?? "");
  const [memo, setMemo] = useState(props.invoice.memo ?? "");
  const save = useMutation({
    mutationFn: () =>
      api.post<Invoice>(invoicePath(props.invoice.id), {
        po_number: po.trim() === "" ? null : po.trim(),
        memo: memo.trim() === "" ? null : memo.trim(),
      }),
    onSuccess: async (invoice) => {
      await props.onSaved(invoice);
      close();
    },
  });
  const close = () => {
    save.reset();
    props.onClose();
  };
  return (
    <Modal opened={props.opened} onClose={close} title="Edit the draft's PO number and memo">
      <Stack gap="sm">
        <ErrorAlert error={save.error} title="Not saved" />
        <TextInput
          label="PO number"
          value={po}
          onChange={(event) => setPo(event.currentTarget.value)}
          error={fieldError(save.error, "po_number")}
        />
        <Textarea
          label="Memo"
          description="Printed on the invoice"
          autosize
          minRows={2}
          value={memo}
          onChange={(event) => setMemo(event.currentTarget.value)}
          error={fieldError(save.error, "memo")}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button loading={save.isPending} onClick={() => save.mutate()}>
            Save
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

interface LineForm {
  description: string;
  quantity: string;
  unit_amount: string;
  tax_rate: string;
  tax_name: string;
  period_start: string;
  period_end: string;
}

function formOf(line: InvoiceLine | null): LineForm {
  if (line === null)
    return {
      description: "",
      quantity: "1",
      unit_amount: "",
      tax_rate: "",
      tax_name: "",
      period_start: "",
      period_end: "",
    };
  return {
    description: line.description,
    quantity: line.quantity,
    unit_amount: line.unit_amount,
    tax_rate: isZero(line.tax_rate) ? "" : line.tax_rate,
    tax_name: isZero(line.tax_rate) ? "" : line.tax_name,
    period_start: line.period === null ? "" : utcLocal(line.period.start),
    period_end: line.period === null ? "" : utcLocal(line.period.end),
  };
}

function LineModal(props: {
  invoice: Invoice;
  line: InvoiceLine | null;
  opened: boolean;
  onClose: () => void;
  onSaved: (invoice: Invoice) => Promise<void>;
}) {
  const [form, setForm] = useState<LineForm>(formOf(props.line));
  const [shownFor, setShownFor] = useState<string | null | undefined>(undefined);
  // Opening the dialog for another line starts from that line's figures.
  const key = props.opened ? (props.line?.id ?? null) : undefined;
  if (key !== shownFor) {
    setShownFor(key);
    setForm(formOf(props.line));
  }
  const save = useMutation({
    mutationFn: () => {
      const start = utcInstant(form.period_start);
      const end = utcInstant(form.period_end);
      const body = {
        description: form.description.trim(),
        quantity: form.quantity.trim() === "" ? undefined : form.quantity.trim(),
        unit_amount: form.unit_amount.trim(),
        period: start === null || end === null ? null : { start, end },
        ...(form.tax_rate.trim() === ""
          ? {}
          : { tax_rate: form.tax_rate.trim(), tax_name: form.tax_name.trim() === "" ? "Tax" : form.tax_name.trim() }),
      };
      const path =
        props.line === null
          ? `${invoicePath(props.invoice.id)}/lines`
          : `${invoicePath(props.invoice.id)}/lines/${encodeURIComponent(props.line.id)}`;
      return api.post<Invoice>(path, body);
    },
    onSuccess: async (invoice) => {
      await props.onSaved(invoice);
      close();
    },
  });
  const close = () => {
    save.reset();
    props.onClose();
  };
  const set = (field: keyof LineForm) => (event: { currentTarget: { value: string } }) =>
    setForm({ ...form, [field]: event.currentTarget.value });
  return (
    <Modal opened={props.opened} onClose={close} title={props.line === null ? "Add a line" : "Edit the line"} size="lg">
      <Stack gap="sm">
        <ErrorAlert error={save.error} title="Not saved" />
        <TextInput
          label="Description"
          required
          value={form.description}
          onChange={set("description")}
          error={fieldError(save.error, "description")}
        />
        <Group grow>
          <TextInput
            label="Quantity"
            value={form.quantity}
            onChange={set("quantity")}
            error={fieldError(save.error, "quantity")}
          />
          <TextInput
            label="Unit amount"
            description={`In ${props.invoice.currency}; negative for a credit`}
            required
            value={form.unit_amount}
            onChange={set("unit_amount")}
            error={fieldError(save.error, "unit_amount")}
          />
        </Group>
        <Group grow>
          <TextInput
            label="Tax rate (%)"
            placeholder="No tax"
            value={form.tax_rate}
            onChange={set("tax_rate")}
            error={fieldError(save.error, "tax_rate")}
          />
          <TextInput
            label="Tax name"
            placeholder="VAT, Sales tax…"
            value={form.tax_name}
            onChange={set("tax_name")}
            error={fieldError(save.error, "tax_name")}
          />
        </Group>
        <Group grow>
          <TextInput
            type="datetime-local"
            label="Service period from (UTC)"
            value={form.period_start}
            onChange={set("period_start")}
            error={fieldError(save.error, "period")}
          />
          <TextInput type="datetime-local" label="to (UTC)" value={form.period_end} onChange={set("period_end")} />
        </Group>
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button loading={save.isPending} onClick={() => save.mutate()}>
            {props.line === null ? "Add line" : "Save line"}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

const TRANSITIONS = {
  void: {
    title: "Void this invoice?",
    text: "Voiding cancels the invoice: its receivable is reversed in the ledger and the number stays used. It cannot be undone.",
    button: "Void invoice",
    path: "void",
    done: "Invoice voided",
    color: "red",
  },
  uncollectible: {
    title: "Mark this invoice uncollectible?",
    text: "The debt is written off as unlikely to be paid. The customer may still pay it later, or it may be voided.",
    button: "Mark uncollectible",
    path: "mark_uncollectible",
    done: "Invoice marked uncollectible",
    color: "orange",
  },
} as const;

function TransitionModal(props: {
  invoice: Invoice;
  action: "void" | "uncollectible" | null;
  onClose: () => void;
  onDone: (invoice: Invoice) => Promise<void>;
}) {
  const run = useMutation({
    mutationFn: (action: "void" | "uncollectible") =>
      api.post<Invoice | ApprovalRequested>(`${invoicePath(props.invoice.id)}/${TRANSITIONS[action].path}`),
    onSuccess: async (result, action) => {
      if ("approval" in result) {
        notifications.show({ color: "yellow", title: "Sent for approval", message: "A second person must approve." });
      } else {
        notifications.show({ color: "teal", title: TRANSITIONS[action].done, message: result.number ?? "" });
        await props.onDone(result);
      }
      close();
    },
  });
  const close = () => {
    run.reset();
    props.onClose();
  };
  const action = props.action;
  return (
    <Modal opened={action !== null} onClose={close} title={action === null ? "" : TRANSITIONS[action].title}>
      {action === null ? null : (
        <Stack gap="sm">
          <ErrorAlert error={run.error} title="Not done" />
          <Text size="sm">{TRANSITIONS[action].text}</Text>
          <Text size="sm">
            {props.invoice.number} · amount due{" "}
            <Amount value={props.invoice.amount_due} currency={props.invoice.currency} />
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button color={TRANSITIONS[action].color} loading={run.isPending} onClick={() => run.mutate(action)}>
              {TRANSITIONS[action].button}
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
