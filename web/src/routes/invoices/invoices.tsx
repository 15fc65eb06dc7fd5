import { Button, Group, Paper, SegmentedControl, Table, Text, TextInput } from "@mantine/core";
import { DatePickerInput } from "@mantine/dates";
import { useQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { api, type List } from "../../api.js";
import { INVOICE_STATUSES, type Invoice } from "../../billing.js";
import { BillingStatusBadge, CustomerLink } from "../../components/billing-ui.js";
import { Pager } from "../../components/pager.js";
import { Amount, ErrorAlert, MessageRow, PageHeader } from "../../components/ui.js";
import { formatInstant, humanize } from "../../format.js";
import { CustomerSelect } from "./customer-select.js";

const route = getRouteApi("/signed-in/invoices");
const PAGE_SIZE = 25;
const COLUMNS = 9;
const NO_WRAP = { whiteSpace: "nowrap" } as const;

export function InvoicesPage() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const invoices = useQuery({
    queryKey: ["invoices", search],
    queryFn: () => api.get<List<Invoice>>("/v1/invoices", { ...search, limit: PAGE_SIZE }),
  });
  const rows = invoices.data?.data ?? [];
  const cursor = { starting_after: search.starting_after, ending_before: search.ending_before };
  const filters = {
    status: search.status,
    customer: search.customer,
    number: search.number,
    issue_date_from: search.issue_date_from,
    issue_date_to: search.issue_date_to,
  };
  const filtered = Object.values(filters).some((value) => value !== undefined);

  return (
    <>
      <PageHeader
        title="Invoices"
        description="Drafts waiting for review and every finalized invoice, newest first."
        actions={
          <>
            <Button variant="default" onClick={() => void navigate({ to: "/review-queue" })}>
              Review queue
            </Button>
            <Button variant="default" onClick={() => void navigate({ to: "/credit-notes", search: {} })}>
              Credit notes
            </Button>
          </>
        }
      />
      <Group gap="sm" mb="md" align="flex-end">
        <SegmentedControl
          size="sm"
          value={search.status ?? "all"}
          onChange={(value) => void navigate({ search: { ...filters, status: value === "all" ? undefined : value } })}
          data={[{ value: "all", label: "All" }, ...INVOICE_STATUSES.map((s) => ({ value: s, label: humanize(s) }))]}
        />
        <CustomerSelect
          value={search.customer ?? null}
          onChange={(customer) => void navigate({ search: { ...filters, customer: customer ?? undefined } })}
        />
        {filtered ? (
          <Button variant="subtle" color="gray" onClick={() => void navigate({ search: {} })}>
            Clear
          </Button>
        ) : null}
      </Group>
      <InvoiceSearch key={`${search.number}|${search.issue_date_from}|${search.issue_date_to}`} />
      <ErrorAlert error={invoices.error} title="The invoices could not be loaded" />
      <Paper withBorder radius="sm">
        <Table striped highlightOnHover>
          <Table.Thead className="table-head">
            <Table.Tr>
              <Table.Th>Number</Table.Th>
              <Table.Th>Customer</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Issued</Table.Th>
              <Table.Th>Due</Table.Th>
              <Table.Th>PO</Table.Th>
              <Table.Th ta="right">Total</Table.Th>
              <Table.Th ta="right">Amount due</Table.Th>
              <Table.Th>Created</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {invoices.isPending ? <MessageRow columns={COLUMNS}>Loading…</MessageRow> : null}
            {invoices.data !== undefined && rows.length === 0 ? (
              <MessageRow columns={COLUMNS}>No invoices match these filters.</MessageRow>
            ) : null}
            {rows.map((invoice) => (
              <Table.Tr
                key={invoice.id}
                className="clickable-row"
                onClick={(event) => {
                  // A click on the customer's link goes to the customer, not the invoice.
                  if ((event.target as HTMLElement).closest("a") !== null) return;
                  void navigate({ to: "/invoices/$id", params: { id: invoice.id } });
                }}
              >
                <Table.Td>
                  {invoice.number === null ? (
                    <Text size="sm" c="dimmed" fs="italic">
                      Draft
                    </Text>
                  ) : (
                    <Text size="sm" className="mono" fw={600}>
                      {invoice.number}
                    </Text>
                  )}
                  <Text size="xs" c="dimmed" className="mono">
                    {invoice.id}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <CustomerLink id={invoice.customer_id} />
                </Table.Td>
                <Table.Td style={NO_WRAP}>
                  <BillingStatusBadge status={invoice.status} />
                </Table.Td>
                <Table.Td className="mono" style={NO_WRAP}>
                  {invoice.issue_date ?? "—"}
                </Table.Td>
                <Table.Td className="mono" style={NO_WRAP}>
                  {invoice.due_date ?? "—"}
                </Table.Td>
                <Table.Td style={NO_WRAP}>
                  <Text size="sm">{invoice.po_number ?? "—"}</Text>
                </Table.Td>
                <Table.Td ta="right">
                  <Amount value={invoice.total} currency={invoice.currency} />
                </Table.Td>
                <Table.Td ta="right">
                  <Amount value={invoice.amount_due} currency={invoice.currency} strong dimZero />
                </Table.Td>
                <Table.Td>
                  <Text size="xs" c="dimmed">
                    {formatInstant(invoice.created_at)}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      <Pager
        cursor={cursor}
        rows={rows}
        hasMore={invoices.data?.has_more ?? false}
        noun={["invoice", "invoices"]}
        onPage={(next) => void navigate({ search: { ...filters, ...next } })}
      />
    </>
  );
}

/** Search by a part of the number and by issue date; applied on submit, kept in the URL. */
function InvoiceSearch() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const [number, setNumber] = useState(search.number ?? "");
  const [range, setRange] = useState<[string | null, string | null]>([
    search.issue_date_from ?? null,
    search.issue_date_to ?? null,
  ]);
  const apply = (event: FormEvent) => {
    event.preventDefault();
    void navigate({
      search: {
        status: search.status,
        customer: search.customer,
        number: number.trim() || undefined,
        issue_date_from: range[0] ?? undefined,
        issue_date_to: range[1] ?? undefined,
      },
    });
  };
  return (
    <form onSubmit={apply}>
      <Group gap="sm" mb="md" align="flex-end">
        <TextInput
          label="Invoice number"
          placeholder="INV-2026-000123 or part of it"
          w={260}
          value={number}
          onChange={(event) => setNumber(event.currentTarget.value)}
        />
        <DatePickerInput
          type="range"
          label="Issued"
          placeholder="Any date"
          valueFormat="YYYY-MM-DD"
          allowSingleDateInRange
          clearable
          w={240}
          value={range}
          onChange={(value) => setRange([value[0] ?? null, value[1] ?? null])}
        />
        <Button type="submit">Search</Button>
      </Group>
    </form>
  );
}
