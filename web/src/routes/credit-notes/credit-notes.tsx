import { Button, Group, Paper, Table, Text, TextInput } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { api, type List } from "../../api.js";
import type { CreditNote } from "../../billing.js";
import { AppLink, BillingStatusBadge, CustomerLink, isNotFound } from "../../components/billing-ui.js";
import { Pager } from "../../components/pager.js";
import { Amount, ErrorAlert, MessageRow, PageHeader } from "../../components/ui.js";
import { formatInstant, humanize } from "../../format.js";
import { CustomerSelect } from "../invoices/customer-select.js";

const route = getRouteApi("/signed-in/credit-notes");
const PAGE_SIZE = 25;
const COLUMNS = 8;

export function CreditNotesPage() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const [invoice, setInvoice] = useState(search.invoice ?? "");
  const notes = useQuery({
    queryKey: ["credit_notes", search],
    queryFn: () => api.get<List<CreditNote>>("/v1/credit_notes", { ...search, limit: PAGE_SIZE }),
  });
  const rows = (notes.data?.data ?? []).filter((note): note is CreditNote & { id: string } => note.id !== undefined);
  const filters = { invoice: search.invoice, customer: search.customer };
  const apply = (event: FormEvent) => {
    event.preventDefault();
    void navigate({ search: { customer: search.customer, invoice: invoice.trim() || undefined } });
  };

  return (
    <>
      <PageHeader
        title="Credit notes"
        description="Credits issued against finalized invoices: what was credited, why, and where the money went."
      />
      <form onSubmit={apply}>
        <Group gap="sm" mb="md" align="flex-end">
          <CustomerSelect
            value={search.customer ?? null}
            onChange={(customer) =>
              void navigate({ search: { invoice: search.invoice, customer: customer ?? undefined } })
            }
          />
          <TextInput
            label="Invoice"
            placeholder="inv_…"
            w={240}
            value={invoice}
            onChange={(event) => setInvoice(event.currentTarget.value)}
          />
          <Button type="submit">Apply</Button>
          <Button
            variant="subtle"
            color="gray"
            onClick={() => {
              setInvoice("");
              void navigate({ search: {} });
            }}
          >
            Clear
          </Button>
        </Group>
      </form>
      {isNotFound(notes.error) ? (
        <Text size="sm" c="dimmed" mb="sm">
          Credit notes are not available on this server.
        </Text>
      ) : (
        <ErrorAlert error={notes.error} title="The credit notes could not be loaded" />
      )}
      <Paper withBorder radius="sm">
        <Table striped highlightOnHover>
          <Table.Thead className="table-head">
            <Table.Tr>
              <Table.Th>Number</Table.Th>
              <Table.Th>Invoice</Table.Th>
              <Table.Th>Customer</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Reason</Table.Th>
              <Table.Th>Outcome</Table.Th>
              <Table.Th ta="right">Total</Table.Th>
              <Table.Th>Created</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {notes.isPending ? <MessageRow columns={COLUMNS}>Loading…</MessageRow> : null}
            {notes.data !== undefined && rows.length === 0 ? (
              <MessageRow columns={COLUMNS}>No credit notes match these filters.</MessageRow>
            ) : null}
            {rows.map((note) => (
              <Table.Tr
                key={note.id}
                className="clickable-row"
                onClick={(event) => {
                  if ((event.target as HTMLElement).closest("a") !== null) return;
                  void navigate({ to: "/credit-notes/$id", params: { id: note.id }, search: {} });
                }}
              >
                <Table.Td className="mono">{note.number ?? "—"}</Table.Td>
                <Table.Td>
                  <AppLink to={`/invoices/${note.invoice_id}`}>{note.invoice_number ?? note.invoice_id}</AppLink>
                </Table.Td>
                <Table.Td>
                  <CustomerLink id={note.customer_id} />
                </Table.Td>
                <Table.Td>
                  <BillingStatusBadge status={note.status ?? "issued"} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{humanize(note.reason)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{humanize(note.outcome)}</Text>
                </Table.Td>
                <Table.Td ta="right">
                  <Amount value={note.total} currency={note.currency} strong />
                </Table.Td>
                <Table.Td>
                  <Text size="xs" c="dimmed">
                    {formatInstant(note.created_at)}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      <Pager
        cursor={{ starting_after: search.starting_after, ending_before: search.ending_before }}
        rows={rows}
        hasMore={notes.data?.has_more ?? false}
        noun={["credit note", "credit notes"]}
        onPage={(next) => void navigate({ search: { ...filters, ...next } })}
      />
    </>
  );
}
