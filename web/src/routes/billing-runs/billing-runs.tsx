import { Button, Checkbox, Group, Modal, Paper, Stack, Table, Text, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { useState } from "react";
import { api, type List } from "../../api.js";
import { type BillingRun, formatUtc, runOutcomeMessage, utcInstant } from "../../billing.js";
import { BillingStatusBadge, CustomerLink } from "../../components/billing-ui.js";
import { Pager } from "../../components/pager.js";
import { ErrorAlert, fieldError, MessageRow, PageHeader } from "../../components/ui.js";
import { CustomerSelect } from "../invoices/customer-select.js";
import { formatDuration, plural, RunItemsTable, RunTotals } from "./billing-run-parts.js";

const route = getRouteApi("/signed-in/billing-runs");
const PAGE_SIZE = 25;
const COLUMNS = 9;

export function BillingRunsPage() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const [running, setRunning] = useState(false);
  const runs = useQuery({
    queryKey: ["billing_runs", search],
    queryFn: () => api.get<List<BillingRun & { id: string }>>("/v1/billing_runs", { ...search, limit: PAGE_SIZE }),
  });
  const rows = runs.data?.data ?? [];

  return (
    <>
      <PageHeader
        title="Billing runs"
        description="Each run invoices the subscription periods due. A clean invoice for a customer with no grace period is finalized at once; the rest wait as drafts for review. Runs are safe to repeat: a period is never billed twice."
        actions={<Button onClick={() => setRunning(true)}>Run now</Button>}
      />
      <ErrorAlert error={runs.error} title="The billing runs could not be loaded" />
      <Paper withBorder radius="sm">
        <Table striped highlightOnHover>
          <Table.Thead className="table-head">
            <Table.Tr>
              <Table.Th>Started</Table.Th>
              <Table.Th>As of</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Customer</Table.Th>
              <Table.Th ta="right">Considered</Table.Th>
              <Table.Th ta="right">Invoiced</Table.Th>
              <Table.Th ta="right">Held · billed · failed</Table.Th>
              <Table.Th ta="right">Invoiced totals</Table.Th>
              <Table.Th ta="right">Duration</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {runs.isPending ? <MessageRow columns={COLUMNS}>Loading…</MessageRow> : null}
            {runs.data !== undefined && rows.length === 0 ? (
              <MessageRow columns={COLUMNS}>No billing run yet.</MessageRow>
            ) : null}
            {rows.map((run) => (
              <Table.Tr
                key={run.id}
                className="clickable-row"
                onClick={(event) => {
                  if ((event.target as HTMLElement).closest("a") !== null) return;
                  void navigate({ to: "/billing-runs/$id", params: { id: run.id } });
                }}
              >
                <Table.Td>
                  <Text size="sm">{formatUtc(run.started_at)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{formatUtc(run.as_of)}</Text>
                </Table.Td>
                <Table.Td>
                  <BillingStatusBadge status={run.status} />
                </Table.Td>
                <Table.Td>
                  {run.customer === null ? <Text size="sm">All</Text> : <CustomerLink id={run.customer} />}
                </Table.Td>
                <Table.Td ta="right" className="mono">
                  {run.subscriptions_considered}
                </Table.Td>
                <Table.Td ta="right" className="mono">
                  {run.invoices_created}
                </Table.Td>
                <Table.Td ta="right" className="mono">
                  {run.skipped_held} · {run.skipped_already_billed} ·{" "}
                  <Text span c={run.failed > 0 ? "red.8" : undefined} fw={run.failed > 0 ? 700 : undefined} inherit>
                    {run.failed}
                  </Text>
                </Table.Td>
                <Table.Td ta="right">
                  <RunTotals totals={run.totals} />
                </Table.Td>
                <Table.Td ta="right" className="mono">
                  {formatDuration(run.duration_ms)}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      <Pager
        cursor={search}
        rows={rows}
        hasMore={runs.data?.has_more ?? false}
        noun={["run", "runs"]}
        onPage={(next) => void navigate({ search: next })}
      />
      <RunModal opened={running} onClose={() => setRunning(false)} />
    </>
  );
}

/** Start a run now, or see what one would do (dry run) without writing anything. */
function RunModal(props: { opened: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const navigate = route.useNavigate();
  const [asOf, setAsOf] = useState("");
  const [customer, setCustomer] = useState<string | null>(null);
  const [dryRun, setDryRun] = useState(true);
  const [result, setResult] = useState<BillingRun | null>(null);
  const run = useMutation({
    mutationFn: () => {
      const instant = asOf.trim() === "" ? undefined : (utcInstant(asOf) ?? asOf);
      return api.post<BillingRun>("/v1/billing_runs", {
        ...(instant === undefined ? {} : { as_of: instant }),
        ...(customer === null ? {} : { customer }),
        dry_run: dryRun,
      });
    },
    onSuccess: async (done) => {
      if (done.dry_run) {
        setResult(done);
        return;
      }
      notifications.show({
        color: done.failed > 0 ? "orange" : "teal",
        title: "Billing run finished",
        message: runOutcomeMessage(done),
      });
      await queryClient.invalidateQueries({ queryKey: ["billing_runs"] });
      await queryClient.invalidateQueries({ queryKey: ["invoices"] });
      await queryClient.invalidateQueries({ queryKey: ["review_queue"] });
      close();
      if (done.id !== null) await navigate({ to: "/billing-runs/$id", params: { id: done.id } });
    },
  });
  const close = () => {
    run.reset();
    setResult(null);
    props.onClose();
  };
  return (
    <Modal opened={props.opened} onClose={close} title="Run billing" size={result === null ? "md" : "xl"}>
      <Stack gap="sm">
        <ErrorAlert error={run.error} title="The run failed" />
        <TextInput
          type="datetime-local"
          label="As of (UTC)"
          description="Bill what is due by this instant; now when left empty."
          value={asOf}
          onChange={(event) => {
            setAsOf(event.currentTarget.value);
            setResult(null);
          }}
          error={fieldError(run.error, "as_of")}
        />
        <CustomerSelect
          label="Only this customer"
          w={undefined}
          value={customer}
          onChange={(value) => {
            setCustomer(value);
            setResult(null);
          }}
          error={fieldError(run.error, "customer")}
        />
        <Checkbox
          label="Dry run: show what would be invoiced and write nothing"
          checked={dryRun}
          onChange={(event) => {
            setDryRun(event.currentTarget.checked);
            setResult(null);
          }}
        />
        {result === null ? null : (
          <Stack gap="xs" data-testid="dry-run-result">
            <Text size="sm" fw={600}>
              Dry run: {plural(result.invoices_created, "draft")} would be created from{" "}
              {plural(result.subscriptions_considered, "subscription")} considered; {result.skipped_held} held,{" "}
              {result.failed} would fail.
            </Text>
            <RunItemsTable items={result.items ?? []} />
          </Stack>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Close
          </Button>
          <Button loading={run.isPending} onClick={() => run.mutate()} color={dryRun ? "indigo" : "red"}>
            {dryRun ? "Preview the run" : "Run billing"}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
