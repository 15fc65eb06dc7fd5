import { Select, Table, Text, TextInput } from "@mantine/core";
import { DatePickerInput } from "@mantine/dates";
import { useQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { useState } from "react";
import { api, type JournalEntry, type LedgerAccount, type List } from "../api.js";
import { FilteredTable, FilterForm } from "../components/filtered-table.js";
import { Amount } from "../components/ui.js";
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
  return (
    <FilteredTable
      title="Journal entries"
      description="Every posting to the ledger, newest first. Entries never change; a mistake is corrected by a reversal."
      filters={<EntryFilters />}
      query={entries}
      errorTitle="The journal could not be loaded"
      columns={[
        { label: "Date", width: 110 },
        "Memo",
        "Source",
        "Accounts",
        { label: "Amount", align: "right" },
        "Status",
        "Posted",
      ]}
      empty="No journal entries match these filters."
      onRowClick={(entry) => void navigate({ search: (prev) => ({ ...prev, entry: entry.id }) })}
      cells={(entry) => <EntryCells entry={entry} />}
      pager={{
        cursor: query,
        noun: ["entry", "entries"],
        onPage: (cursor) =>
          void navigate({
            search: (prev) => ({ ...prev, starting_after: undefined, ending_before: undefined, ...cursor }),
          }),
      }}
    >
      <EntryDrawer
        entryId={openEntry}
        onOpen={(id) => void navigate({ search: (prev) => ({ ...prev, entry: id }) })}
        onClose={() => void navigate({ search: (prev) => ({ ...prev, entry: undefined }) })}
      />
    </FilteredTable>
  );
}

function EntryCells(props: { entry: JournalEntry }) {
  const entry = props.entry;
  const total = entryTotal(entry);
  return (
    <>
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

  const apply = () => {
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
    <FilterForm onApply={apply} onClear={clear}>
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
    </FilterForm>
  );
}
