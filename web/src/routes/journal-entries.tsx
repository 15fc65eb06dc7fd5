import { Button, Group, Paper, Select, Table, Text, TextInput } from "@mantine/core";
import { DatePickerInput } from "@mantine/dates";
import { useQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { api, type JournalEntry, type LedgerAccount, type List } from "../api.js";
import { Pager } from "../components/pager.js";
import { Amount, ErrorAlert, MessageRow, PageHeader } from "../components/ui.js";
import { formatInstant, humanize, sumAmounts } from "../format.js";
import { EntryDrawer, EntryStatus } from "./entry-drawer.js";

const route = getRouteApi("/signed-in/ledger/entries");
const PAGE_SIZE = 25;

interface Filters {
  account: string | null;
  source_type: string;
  source_id: string;
  range: [string | null, string | null];
}

/** The entry's size: its debits in its (first) currency. */
function entryTotal(entry: JournalEntry): { amount: string; currency: string } | null {
  const currency = entry.lines[0]?.currency;
  if (currency === undefined) return null;
  const debits = entry.lines.filter((line) => line.currency === currency).map((line) => line.debit);
  return { amount: sumAmounts(debits), currency };
}

function useAccounts() {
  return useQuery({
    queryKey: ["ledger_accounts"],
    queryFn: () => api.get<List<LedgerAccount>>("/v1/ledger/accounts", { limit: 100 }),
    staleTime: 60_000,
  });
}

export function JournalEntriesPage() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const { entry: openEntry, ...query } = search;
  const entries = useQuery({
    queryKey: ["journal_entries", query],
    queryFn: () => api.get<List<JournalEntry>>("/v1/ledger/entries", { ...query, limit: PAGE_SIZE }),
  });
  const rows = entries.data?.data ?? [];

  return (
    <>
      <PageHeader
        title="Journal entries"
        description="Every posting to the ledger, newest first. Entries never change; a mistake is corrected by a reversal."
      />
      <EntryFilters />
      <ErrorAlert error={entries.error} title="The journal could not be loaded" />
      <Paper withBorder radius="sm">
        <Table striped highlightOnHover>
          <Table.Thead className="table-head">
            <Table.Tr>
              <Table.Th w={110}>Date</Table.Th>
              <Table.Th>Memo</Table.Th>
              <Table.Th>Source</Table.Th>
              <Table.Th>Accounts</Table.Th>
              <Table.Th ta="right">Amount</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Posted</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {entries.isPending ? <MessageRow columns={7}>Loading…</MessageRow> : null}
            {entries.data !== undefined && rows.length === 0 ? (
              <MessageRow columns={7}>No journal entries match these filters.</MessageRow>
            ) : null}
            {rows.map((entry) => {
              const total = entryTotal(entry);
              return (
                <Table.Tr
                  key={entry.id}
                  className="clickable-row"
                  onClick={() => void navigate({ search: (prev) => ({ ...prev, entry: entry.id }) })}
                >
                  <Table.Td className="mono">{entry.effective_date}</Table.Td>
                  <Table.Td maw={320}>
                    <Text size="sm" truncate>
                      {entry.memo === "" ? (
                        <Text span c="dimmed">
                          (no memo)
                        </Text>
                      ) : (
                        entry.memo
                      )}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{humanize(entry.source_type)}</Text>
                    <Text size="xs" c="dimmed" className="mono">
                      {entry.source_id}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs" className="mono">
                      {[...new Set(entry.lines.map((line) => line.account_code))].join(", ")}
                    </Text>
                  </Table.Td>
                  <Table.Td ta="right">
                    {total === null ? null : <Amount value={total.amount} currency={total.currency} />}
                  </Table.Td>
                  <Table.Td>
                    <EntryStatus entry={entry} />
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs" c="dimmed">
                      {formatInstant(entry.posted_at)}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Paper>
      <Pager
        cursor={query}
        rows={rows}
        hasMore={entries.data?.has_more ?? false}
        noun={["entry", "entries"]}
        onPage={(cursor) =>
          void navigate({
            search: (prev) => ({ ...prev, starting_after: undefined, ending_before: undefined, ...cursor }),
          })
        }
      />
      <EntryDrawer
        entryId={openEntry}
        onOpen={(id) => void navigate({ search: (prev) => ({ ...prev, entry: id }) })}
        onClose={() => void navigate({ search: (prev) => ({ ...prev, entry: undefined }) })}
      />
    </>
  );
}

function EntryFilters() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const accounts = useAccounts();
  const [filters, setFilters] = useState<Filters>({
    account: search.account ?? null,
    source_type: search.source_type ?? "",
    source_id: search.source_id ?? "",
    range: [search.effective_from ?? null, search.effective_to ?? null],
  });
  const options = (accounts.data?.data ?? []).map((account) => ({
    value: account.id,
    label: `${account.code} · ${account.name} · ${account.currency}`,
  }));
  if (filters.account !== null && !options.some((option) => option.value === filters.account)) {
    options.push({ value: filters.account, label: filters.account });
  }

  const apply = (event: FormEvent) => {
    event.preventDefault();
    void navigate({
      search: {
        account: filters.account ?? undefined,
        source_type: filters.source_type.trim() || undefined,
        source_id: filters.source_id.trim() || undefined,
        effective_from: filters.range[0] ?? undefined,
        effective_to: filters.range[1] ?? undefined,
      },
    });
  };
  const clear = () => {
    setFilters({ account: null, source_type: "", source_id: "", range: [null, null] });
    void navigate({ search: {} });
  };

  return (
    <form onSubmit={apply}>
      <Group gap="sm" mb="md" align="flex-end">
        <Select
          label="Account"
          placeholder="Any account"
          searchable
          clearable
          w={300}
          data={options}
          value={filters.account}
          onChange={(value) => setFilters({ ...filters, account: value })}
        />
        <TextInput
          label="Source type"
          placeholder="invoice, manual…"
          w={170}
          value={filters.source_type}
          onChange={(event) => setFilters({ ...filters, source_type: event.currentTarget.value })}
        />
        <TextInput
          label="Source id"
          placeholder="inv_…"
          w={200}
          value={filters.source_id}
          onChange={(event) => setFilters({ ...filters, source_id: event.currentTarget.value })}
        />
        <DatePickerInput
          type="range"
          label="Effective dates"
          placeholder="Any date"
          valueFormat="YYYY-MM-DD"
          allowSingleDateInRange
          clearable
          w={240}
          value={filters.range}
          onChange={(range) => setFilters({ ...filters, range })}
        />
        <Button type="submit">Apply</Button>
        <Button variant="subtle" color="gray" onClick={clear}>
          Clear
        </Button>
      </Group>
    </form>
  );
}
