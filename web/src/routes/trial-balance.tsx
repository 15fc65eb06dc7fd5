import { BarChart } from "@mantine/charts";
import { Badge, Divider, Group, Paper, Select, SimpleGrid, Stack, Switch, Table, Text } from "@mantine/core";
import { DatePickerInput } from "@mantine/dates";
import { useQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { useState } from "react";
import { api, type TrialBalance, type TrialBalanceAccount } from "../api.js";
import { Amount, ErrorAlert, MessageRow, PageHeader } from "../components/ui.js";
import {
  amountDifference,
  amountForChart,
  amountsEqual,
  formatAmount,
  formatCompact,
  humanize,
  isZero,
  sumAmounts,
  todayInBrowser,
} from "../format.js";

const route = getRouteApi("/signed-in/ledger/trial-balance");

const TYPE_ORDER = ["asset", "liability", "equity", "revenue", "expense"];
const TYPE_TOTAL_LABELS: Record<string, string> = {
  asset: "Assets",
  liability: "Liabilities",
  equity: "Equity",
  revenue: "Revenue",
  expense: "Expenses",
};

function trialBalanceQuery(asOf: string, currency: string | undefined) {
  return {
    queryKey: ["trial_balance", asOf, currency ?? ""],
    queryFn: () => api.get<TrialBalance>("/v1/ledger/trial_balance", { as_of: asOf, currency }),
  };
}

function byCurrency(accounts: readonly TrialBalanceAccount[]): Map<string, TrialBalanceAccount[]> {
  const groups = new Map<string, TrialBalanceAccount[]>();
  for (const account of accounts) groups.set(account.currency, [...(groups.get(account.currency) ?? []), account]);
  return new Map([...groups.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

export function TrialBalancePage() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const [hideInactive, setHideInactive] = useState(true);
  const asOf = search.as_of ?? todayInBrowser();
  const report = useQuery(trialBalanceQuery(asOf, search.currency));
  // The unfiltered report lists every currency the books hold, for the filter's choices.
  const everyCurrency = useQuery(trialBalanceQuery(asOf, undefined));
  const currencies = (everyCurrency.data?.totals ?? []).map((total) => total.currency);
  if (search.currency !== undefined && !currencies.includes(search.currency)) currencies.push(search.currency);

  const data = report.data;
  const shown = (data?.accounts ?? []).filter(
    (account) => !hideInactive || !isZero(account.debit) || !isZero(account.credit),
  );

  return (
    <>
      <PageHeader
        title="Trial balance"
        description="Debit and credit totals of every ledger account on a date; debits equal credits in each currency."
      />
      <Group gap="sm" mb="md" align="flex-end">
        <DatePickerInput
          label="As of"
          w={170}
          valueFormat="YYYY-MM-DD"
          value={asOf}
          onChange={(value) => void navigate({ search: (prev) => ({ ...prev, as_of: value ?? undefined }) })}
          data-testid="as-of"
        />
        <Select
          label="Currency"
          w={170}
          placeholder="All currencies"
          clearable
          data={currencies}
          value={search.currency ?? null}
          onChange={(value) => void navigate({ search: (prev) => ({ ...prev, currency: value ?? undefined }) })}
        />
        <Switch
          label="Hide accounts with no postings"
          checked={hideInactive}
          onChange={(event) => setHideInactive(event.currentTarget.checked)}
          mb={8}
        />
      </Group>
      <ErrorAlert error={report.error} title="The trial balance could not be loaded" />
      {data === undefined ? null : <Summary report={data} />}
      <Paper withBorder radius="sm" mt="md">
        <Table striped highlightOnHover stickyHeader>
          <Table.Thead className="table-head">
            <Table.Tr>
              <Table.Th w={90}>Code</Table.Th>
              <Table.Th>Account</Table.Th>
              <Table.Th w={110}>Type</Table.Th>
              <Table.Th ta="right" w={170}>
                Debit
              </Table.Th>
              <Table.Th ta="right" w={170}>
                Credit
              </Table.Th>
              <Table.Th ta="right" w={170}>
                Balance
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {report.isPending ? <MessageRow columns={6}>Loading…</MessageRow> : null}
            {data !== undefined && shown.length === 0 ? (
              <MessageRow columns={6}>No account has postings on or before {asOf}.</MessageRow>
            ) : null}
            {[...byCurrency(shown).entries()].map(([currency, accounts]) => (
              <CurrencyRows
                key={currency}
                currency={currency}
                accounts={accounts}
                onOpen={(account) => void navigate({ to: "/ledger/entries", search: { account: account.account_id } })}
              />
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
    </>
  );
}

function CurrencyRows(props: {
  currency: string;
  accounts: TrialBalanceAccount[];
  onOpen: (account: TrialBalanceAccount) => void;
}) {
  const debit = sumAmounts(props.accounts.map((account) => account.debit));
  const credit = sumAmounts(props.accounts.map((account) => account.credit));
  return (
    <>
      <Table.Tr bg="gray.1">
        <Table.Td colSpan={6}>
          <Text size="xs" fw={700} c="dimmed">
            {props.currency}
          </Text>
        </Table.Td>
      </Table.Tr>
      {props.accounts.map((account) => (
        <Table.Tr
          key={account.account_id}
          className="clickable-row"
          onClick={() => props.onOpen(account)}
          title="Show this account's journal entries"
        >
          <Table.Td className="mono">{account.code}</Table.Td>
          <Table.Td>{account.name}</Table.Td>
          <Table.Td>
            <Text size="sm" c="dimmed">
              {humanize(account.type)}
            </Text>
          </Table.Td>
          <Table.Td ta="right">
            <Amount value={account.debit} currency={account.currency} dimZero />
          </Table.Td>
          <Table.Td ta="right">
            <Amount value={account.credit} currency={account.currency} dimZero />
          </Table.Td>
          <Table.Td ta="right">
            <Amount value={account.balance} currency={account.currency} dimZero />
          </Table.Td>
        </Table.Tr>
      ))}
      <Table.Tr className="table-foot">
        <Table.Td />
        <Table.Td colSpan={2}>Total {props.currency} (accounts shown)</Table.Td>
        <Table.Td ta="right">
          <Amount value={debit} currency={props.currency} strong />
        </Table.Td>
        <Table.Td ta="right">
          <Amount value={credit} currency={props.currency} strong />
        </Table.Td>
        <Table.Td />
      </Table.Tr>
    </>
  );
}

/** Balances summed by account type, each on its normal side (assets as debits, revenue as credits). */
function balancesByType(report: TrialBalance, currency: string): { type: string; balance: string }[] {
  const accounts = report.accounts.filter((account) => account.currency === currency);
  return TYPE_ORDER.map((type) => ({
    type,
    balance: sumAmounts(accounts.filter((account) => account.type === type).map((account) => account.balance)),
  }));
}

/** Totals per currency, whether each balances, and where the balances sit by account type. */
function Summary(props: { report: TrialBalance }) {
  const { report } = props;
  const chartCurrency = report.totals[0]?.currency;
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
      <Stack gap="sm">
        {report.totals.length === 0 ? (
          <Paper withBorder p="md" radius="sm">
            <Text size="sm" c="dimmed">
              No postings yet.
            </Text>
          </Paper>
        ) : null}
        {report.totals.map((total) => (
          <CurrencyTotals key={total.currency} report={report} total={total} />
        ))}
      </Stack>
      {chartCurrency === undefined ? null : <BalancesByType report={report} currency={chartCurrency} />}
    </SimpleGrid>
  );
}

function CurrencyTotals(props: { report: TrialBalance; total: TrialBalance["totals"][number] }) {
  const { total } = props;
  const balanced = amountsEqual(total.debit, total.credit);
  return (
    <Paper withBorder p="md" radius="sm" data-testid={`totals-${total.currency}`}>
      <Group justify="space-between" mb="xs">
        <Text fw={600}>{total.currency} totals</Text>
        {balanced ? (
          <Badge color="teal" variant="light" data-testid="balanced-badge">
            Balanced
          </Badge>
        ) : (
          <Badge color="red" variant="filled" data-testid="balanced-badge">
            Out of balance by {formatAmount(amountDifference(total.debit, total.credit), total.currency)}
          </Badge>
        )}
      </Group>
      <SimpleGrid cols={2} spacing="xs">
        <Figure label="Debits" value={total.debit} currency={total.currency} />
        <Figure label="Credits" value={total.credit} currency={total.currency} />
      </SimpleGrid>
      <Divider my="sm" />
      <SimpleGrid cols={5} spacing="xs">
        {balancesByType(props.report, total.currency).map((row) => (
          <Figure
            key={row.type}
            label={TYPE_TOTAL_LABELS[row.type] ?? row.type}
            value={row.balance}
            currency={total.currency}
            small
          />
        ))}
      </SimpleGrid>
    </Paper>
  );
}

function Figure(props: { label: string; value: string; currency: string; small?: boolean }) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed" tt="uppercase">
        {props.label}
      </Text>
      <Text
        className="amount"
        ta="left"
        size={props.small === true ? "sm" : "lg"}
        fw={props.small === true ? 500 : 600}
      >
        {formatAmount(props.value, props.currency)}
      </Text>
    </Stack>
  );
}

function BalancesByType(props: { report: TrialBalance; currency: string }) {
  const data = balancesByType(props.report, props.currency).map((row) => ({
    type: TYPE_TOTAL_LABELS[row.type] ?? row.type,
    balance: amountForChart(row.balance),
  }));
  return (
    <Paper withBorder p="md" radius="sm">
      <Text fw={600} mb="xs">
        Balances by account type ({props.currency})
      </Text>
      <BarChart
        h={170}
        data={data}
        dataKey="type"
        series={[{ name: "balance", label: "Balance", color: "indigo.6" }]}
        valueFormatter={(value) => formatAmount(value.toFixed(2), props.currency)}
        yAxisProps={{ tickFormatter: (value: number) => formatCompact(value, props.currency), width: 64 }}
        tickLine="y"
        gridAxis="y"
        withTooltip
      />
    </Paper>
  );
}
