import { Badge, Button, Group, Paper, Table, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { api, type List } from "../../api.js";
import type { ReviewQueueRow } from "../../billing.js";
import { CustomerLink, isNotFound } from "../../components/billing-ui.js";
import { Pager } from "../../components/pager.js";
import { Amount, ErrorAlert, MessageRow, PageHeader } from "../../components/ui.js";
import { formatInstant } from "../../format.js";
import { CustomerSelect } from "../invoices/customer-select.js";

const route = getRouteApi("/signed-in/review-queue");
const PAGE_SIZE = 25;
const COLUMNS = 7;

/** Drafts waiting for a person: blocking findings first, then by when they would finalize on their own. */
export function ReviewQueuePage() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const queue = useQuery({
    queryKey: ["review_queue", search],
    queryFn: () => api.get<List<ReviewQueueRow>>("/v1/review_queue", { ...search, limit: PAGE_SIZE }),
  });
  const rows = queue.data?.data ?? [];
  const pageRows = rows.map((row) => ({ ...row, id: row.invoice.id }));

  return (
    <>
      <PageHeader
        title="Review queue"
        description="Draft invoices to check before they go out. Open one to see its checklist, override a finding or finalize it."
        actions={
          <Button variant="default" onClick={() => void navigate({ to: "/review-settings" })}>
            Review settings
          </Button>
        }
      />
      <CustomerSelect
        mb="md"
        value={search.customer ?? null}
        onChange={(customer) => void navigate({ search: { customer: customer ?? undefined } })}
      />
      {isNotFound(queue.error) ? (
        <Text size="sm" c="dimmed" mb="sm">
          The review queue is not available on this server; drafts are listed on the Invoices page.
        </Text>
      ) : (
        <ErrorAlert error={queue.error} title="The review queue could not be loaded" />
      )}
      <Paper withBorder radius="sm">
        <Table striped highlightOnHover>
          <Table.Thead className="table-head">
            <Table.Tr>
              <Table.Th>Draft</Table.Th>
              <Table.Th>Customer</Table.Th>
              <Table.Th>PO</Table.Th>
              <Table.Th ta="right">Total</Table.Th>
              <Table.Th>Findings</Table.Th>
              <Table.Th>Finalizes on its own</Table.Th>
              <Table.Th>Created</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {queue.isPending ? <MessageRow columns={COLUMNS}>Loading…</MessageRow> : null}
            {queue.data !== undefined && rows.length === 0 ? (
              <MessageRow columns={COLUMNS}>No draft waits for review.</MessageRow>
            ) : null}
            {rows.map((row) => (
              <Table.Tr
                key={row.invoice.id}
                className="clickable-row"
                onClick={(event) => {
                  if ((event.target as HTMLElement).closest("a") !== null) return;
                  void navigate({ to: "/invoices/$id", params: { id: row.invoice.id } });
                }}
              >
                <Table.Td>
                  <Text size="sm" className="mono">
                    {row.invoice.id}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <CustomerLink id={row.invoice.customer_id} />
                </Table.Td>
                <Table.Td style={{ whiteSpace: "nowrap" }}>
                  <Text size="sm">{row.invoice.po_number ?? "—"}</Text>
                </Table.Td>
                <Table.Td ta="right">
                  <Amount value={row.invoice.total} currency={row.invoice.currency} />
                </Table.Td>
                <Table.Td>
                  <Group gap={4} wrap="nowrap">
                    <Badge color={row.blocking > 0 ? "red" : "gray"} variant="light">
                      {row.blocking} blocking
                    </Badge>
                    <Badge color={row.warnings > 0 ? "yellow" : "gray"} variant="light">
                      {row.warnings} {row.warnings === 1 ? "warning" : "warnings"}
                    </Badge>
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{row.auto_finalize_at === null ? "Never" : formatInstant(row.auto_finalize_at)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="xs" c="dimmed">
                    {formatInstant(row.invoice.created_at)}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      <Pager
        cursor={{ starting_after: search.starting_after, ending_before: search.ending_before }}
        rows={pageRows}
        hasMore={queue.data?.has_more ?? false}
        noun={["draft", "drafts"]}
        onPage={(next) => void navigate({ search: { customer: search.customer, ...next } })}
      />
    </>
  );
}
