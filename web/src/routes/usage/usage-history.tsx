import { BarChart } from "@mantine/charts";
import { Group, Paper, Stack, Table, Text } from "@mantine/core";
import { useQueries, useQuery } from "@tanstack/react-query";
import { api } from "../../api.js";
import { ErrorAlert, MessageRow } from "../../components/ui.js";
import { humanize } from "../../format.js";
import {
  type CustomerUsage,
  formatQuantity,
  groupLabel,
  type MeterUsage,
  type PeriodRange,
  pastPeriods,
  periodLabel,
  quantityForChart,
} from "../../usage.js";

/**
 * A customer's usage of one meter over this period so far and the periods
 * before it: a bar per period (stacked by group when the groups add up to
 * the total), and the exact figures in a table under it.
 */

const PAST_PERIODS = 5;
const COLORS = ["indigo.6", "teal.6", "orange.6", "grape.6", "cyan.6", "lime.7", "pink.6", "yellow.6"];
/** Aggregations whose total is the sum of the groups; max and unique count are not. */
const ADDITIVE = new Set(["count", "sum", "latest", "time_weighted_sum"]);

export interface UsageCustomer {
  id: string;
  time_zone: string;
}

const usagePath = (customer: string) => `/v1/customers/${encodeURIComponent(customer)}/usage`;

export function useCurrentUsage(customer: string, meter?: string) {
  return useQuery({
    queryKey: ["usage", customer, meter ?? "all", "current"],
    queryFn: () => api.get<CustomerUsage>(usagePath(customer), { meter, period: "current" }),
  });
}

function usePastUsage(customer: string, meter: string | undefined, periods: PeriodRange[]) {
  return useQueries({
    queries: periods.map((period) => ({
      queryKey: ["usage", customer, meter ?? "all", period.start, period.end],
      queryFn: () => api.get<CustomerUsage>(usagePath(customer), { meter, from: period.start, to: period.end }),
      staleTime: 60_000,
    })),
  });
}

interface PeriodRow {
  label: string;
  current: boolean;
  usage: MeterUsage | undefined;
}

/** One meter's usage by a customer, this period and the ones before. */
export function UsageHistory(props: { customer: UsageCustomer; meter: string }) {
  const current = useCurrentUsage(props.customer.id, props.meter);
  const periods =
    current.data === undefined ? [] : pastPeriods(current.data.period, props.customer.time_zone, PAST_PERIODS);
  const past = usePastUsage(props.customer.id, props.meter, periods);
  const pick = (usage: CustomerUsage | undefined) => usage?.data.find((meter) => meter.code === props.meter);
  const rows: PeriodRow[] = [
    ...periods.map((period, index) => ({
      label: periodLabel(period, props.customer.time_zone),
      current: false,
      usage: pick(past[index]?.data),
    })),
    ...(current.data === undefined
      ? []
      : [
          {
            label: periodLabel(current.data.period, props.customer.time_zone),
            current: true,
            usage: pick(current.data),
          },
        ]),
  ];
  const pastError = past.find((result) => result.error !== null)?.error;
  return (
    <Stack gap="sm" data-testid="usage-history">
      <ErrorAlert error={current.error ?? pastError} title="The usage could not be loaded" />
      <UsageChart rows={rows} />
      <UsageTable rows={rows} loading={current.isPending} />
    </Stack>
  );
}

/** Group keys become g0, g1…: a chart reads dots in a key as a path into the row. */
function chartSeries(rows: PeriodRow[]) {
  const labels = [...new Set(rows.flatMap((row) => (row.usage?.groups ?? []).map((group) => groupLabel(group.group))))];
  return labels.sort().map((label, index) => ({ key: `g${index}`, label }));
}

function UsageChart(props: { rows: PeriodRow[] }) {
  const usage = props.rows.find((row) => row.usage !== undefined)?.usage;
  const groupKeys = Object.keys(
    props.rows.find((row) => (row.usage?.groups.length ?? 0) > 0)?.usage?.groups[0]?.group ?? {},
  );
  if (usage === undefined) return null;
  const series = chartSeries(props.rows);
  const grouped = series.length > 0;
  const data = props.rows.map((row) => {
    const point: Record<string, string | number> = { period: row.current ? `${row.label} (so far)` : row.label };
    if (!grouped) point.quantity = quantityForChart(row.usage?.quantity ?? "0");
    for (const { key, label } of series) {
      const group = row.usage?.groups.find((candidate) => groupLabel(candidate.group) === label);
      point[key] = quantityForChart(group?.quantity ?? "0");
    }
    return point;
  });
  return (
    <Paper withBorder p="md" radius="sm" data-testid="usage-chart">
      <Group justify="space-between" mb="xs">
        <Text fw={600}>
          {usage.name}{" "}
          <Text span c="dimmed" size="sm">
            ({humanize(usage.aggregation)})
          </Text>
        </Text>
        <Text size="xs" c="dimmed">
          {grouped ? `per ${groupKeys.join(", ")}` : "total"}
        </Text>
      </Group>
      <BarChart
        h={240}
        data={data}
        dataKey="period"
        type={grouped && ADDITIVE.has(usage.aggregation) ? "stacked" : "default"}
        series={
          grouped
            ? series.map(({ key, label }, index) => ({
                name: key,
                label,
                color: COLORS[index % COLORS.length] as string,
              }))
            : [{ name: "quantity", label: usage.name, color: "indigo.6" }]
        }
        valueFormatter={(value) => formatQuantity(String(value))}
        withLegend={grouped}
        tickLine="y"
        gridAxis="y"
        withTooltip
      />
    </Paper>
  );
}

function UsageTable(props: { rows: PeriodRow[]; loading: boolean }) {
  const series = chartSeries(props.rows);
  const columns = series.length + 2;
  return (
    <Table striped data-testid="usage-table">
      <Table.Thead className="table-head">
        <Table.Tr>
          <Table.Th>Period</Table.Th>
          {series.map(({ key, label }) => (
            <Table.Th key={key} ta="right">
              {label}
            </Table.Th>
          ))}
          <Table.Th ta="right">Total</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {props.loading ? <MessageRow columns={columns}>Loading…</MessageRow> : null}
        {[...props.rows].reverse().map((row) => (
          <Table.Tr key={row.label}>
            <Table.Td>
              <Text size="sm" fw={row.current ? 600 : undefined}>
                {row.label}
                {row.current ? " · this period so far" : ""}
              </Text>
            </Table.Td>
            {series.map(({ key, label }) => {
              const group = row.usage?.groups.find((candidate) => groupLabel(candidate.group) === label);
              return (
                <Table.Td key={key} ta="right" className="amount">
                  {group === undefined ? "—" : formatQuantity(group.quantity)}
                </Table.Td>
              );
            })}
            <Table.Td ta="right" className="amount" fw={600}>
              {row.usage === undefined ? "…" : formatQuantity(row.usage.quantity)}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
