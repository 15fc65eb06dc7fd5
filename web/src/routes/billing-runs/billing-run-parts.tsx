import { Button, Paper, Stack, Table, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { api } from "../../api.js";
import { type BillingRun, type BillingRunItem, runOutcomeMessage } from "../../billing.js";
import { AppLink, BillingStatusBadge, CustomerLink } from "../../components/billing-ui.js";
import { Amount, ErrorAlert, MessageRow } from "../../components/ui.js";

/** Pieces the billing run list, its detail and the dry-run preview share. */

export const OUTCOME_LABELS: Record<string, string> = {
  invoiced: "Invoiced",
  skipped_held: "On hold",
  skipped_already_billed: "Already billed",
  failed: "Failed",
};

export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  return seconds < 60 ? `${seconds.toFixed(1)} s` : `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

export function RunTotals(props: { totals: Record<string, string> }) {
  const entries = Object.entries(props.totals);
  if (entries.length === 0)
    return (
      <Text size="sm" c="dimmed">
        —
      </Text>
    );
  return (
    <Stack gap={0} align="flex-end">
      {entries.map(([currency, total]) => (
        <Amount key={currency} value={total} currency={currency} />
      ))}
    </Stack>
  );
}

/** What happened to each subscription period: invoiced, skipped for a hold or as already billed, or failed. */
export function RunItemsTable(props: { items: readonly BillingRunItem[]; retryAsOf?: string }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  // Running again for one customer at the same instant bills only what is still missing.
  const retry = useMutation({
    mutationFn: (customer: string) =>
      api.post<BillingRun>("/v1/billing_runs", { as_of: props.retryAsOf, customer, dry_run: false }),
    onSuccess: async (done) => {
      notifications.show({
        color: done.failed > 0 ? "orange" : "teal",
        title: done.failed > 0 ? "Still failing" : "Retried",
        message: runOutcomeMessage(done),
      });
      await queryClient.invalidateQueries({ queryKey: ["billing_runs"] });
      if (done.id !== null) await navigate({ to: "/billing-runs/$id", params: { id: done.id } });
    },
  });
  return (
    <Stack gap="xs">
      <ErrorAlert error={retry.error} title="The retry failed" />
      <Paper withBorder radius="sm">
        <Table striped data-testid="run-items">
          <Table.Thead className="table-head">
            <Table.Tr>
              <Table.Th>Customer</Table.Th>
              <Table.Th>Subscription</Table.Th>
              <Table.Th ta="right">Period</Table.Th>
              <Table.Th>Outcome</Table.Th>
              <Table.Th>Invoice</Table.Th>
              <Table.Th ta="right">Total</Table.Th>
              <Table.Th>Reason or error</Table.Th>
              {props.retryAsOf === undefined ? null : <Table.Th />}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {props.items.length === 0 ? <MessageRow columns={8}>Nothing here.</MessageRow> : null}
            {props.items.map((item) => (
              <Table.Tr key={`${item.subscription}-${item.period_index ?? "none"}`}>
                <Table.Td>
                  <CustomerLink id={item.customer} />
                </Table.Td>
                <Table.Td>
                  <AppLink to={`/subscriptions/${item.subscription}`} size="xs">
                    {item.subscription}
                  </AppLink>
                </Table.Td>
                <Table.Td ta="right" className="mono">
                  {item.period_index ?? "—"}
                </Table.Td>
                <Table.Td>
                  <BillingStatusBadge status={item.outcome} label={OUTCOME_LABELS[item.outcome]} />
                </Table.Td>
                <Table.Td>
                  {item.invoice === null ? (
                    "—"
                  ) : (
                    <>
                      <AppLink to={`/invoices/${item.invoice}`} size="xs">
                        {item.invoice}
                      </AppLink>
                      {item.finalized ? (
                        <Text span size="xs" c="dimmed">
                          {" "}
                          finalized
                        </Text>
                      ) : null}
                    </>
                  )}
                </Table.Td>
                <Table.Td ta="right">
                  {item.total === null || item.currency === null ? null : (
                    <Amount value={item.total} currency={item.currency} />
                  )}
                </Table.Td>
                <Table.Td maw={320}>
                  {item.error === null ? (
                    <Text size="sm">{item.reason ?? ""}</Text>
                  ) : (
                    <Text size="sm" c="red.8">
                      {item.error.message}{" "}
                      <Text span size="xs" c="dimmed" className="mono">
                        {item.error.code}
                      </Text>
                    </Text>
                  )}
                </Table.Td>
                {props.retryAsOf === undefined ? null : (
                  <Table.Td>
                    {item.outcome === "failed" ? (
                      <Button
                        size="compact-xs"
                        variant="light"
                        loading={retry.isPending && retry.variables === item.customer}
                        onClick={() => retry.mutate(item.customer)}
                      >
                        Retry
                      </Button>
                    ) : null}
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
    </Stack>
  );
}
