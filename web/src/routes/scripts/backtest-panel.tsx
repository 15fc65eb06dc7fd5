import { Alert, Badge, Button, Group, Stack, Table, Text, TextInput } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { ApiError, api } from "../../api.js";
import { CustomerLink } from "../../components/billing-ui.js";
import { Amount, ErrorAlert, fieldError, MessageRow } from "../../components/ui.js";
import { isZero, todayInBrowser } from "../../format.js";
import {
  type Backtest,
  type BacktestError,
  type BacktestRow,
  previousMonth,
  type ScriptVersion,
  versionPath,
  withMoreRows,
} from "../../scripts.js";
import { CustomerSelect } from "../invoices/customer-select.js";

/**
 * Backtest: this version rated over a past period's real events, beside
 * what the versions in force at the time billed, per customer and charge
 * code. The rows page in from the kept result; every row is in the CSV.
 */

const backtestPath = (id: string) => `/v1/scripts/backtests/${encodeURIComponent(id)}`;

/** 404 from the router (not "this version does not exist"): this server has no backtests. */
function isUnavailable(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404 && error.code === "route_not_found";
}

export function BacktestPanel(props: { version: ScriptVersion }) {
  const version = props.version;
  const month = previousMonth(todayInBrowser());
  const [from, setFrom] = useState(month.from);
  const [to, setTo] = useState(month.to);
  const [customer, setCustomer] = useState<string | null>(null);
  const [result, setResult] = useState<Backtest | null>(null);
  const run = useMutation({
    mutationFn: () =>
      api.post<Backtest>(`${versionPath(version.script, version.id)}/backtest`, {
        period_start: `${from}T00:00:00Z`,
        period_end: `${to}T00:00:00Z`,
        ...(customer === null ? {} : { customer }),
      }),
    onSuccess: setResult,
  });
  const more = useMutation({
    mutationFn: (backtest: Backtest) =>
      api.get<Backtest>(backtestPath(backtest.id), {
        starting_after: backtest.rows.data[backtest.rows.data.length - 1]?.position ?? 0,
        limit: 100,
      }),
    onSuccess: (page) => setResult((shown) => (shown === null ? page : withMoreRows(shown, page))),
  });
  if (isUnavailable(run.error))
    return (
      <Alert color="gray" variant="light" data-testid="backtest-unavailable" title="Backtest unavailable">
        <Text size="sm">This server does not offer backtests of charge scripts.</Text>
      </Alert>
    );
  return (
    <Stack gap="sm" data-testid="backtest-panel">
      <Text size="sm" c="dimmed">
        Rates a past period's events with version {version.number} and with the versions in force at the time, each with
        the customer's rate card of the day, and lists what would change. Nothing is billed.
      </Text>
      <Group align="flex-end" gap="sm">
        <TextInput
          type="date"
          label="From (UTC)"
          value={from}
          onChange={(event) => setFrom(event.currentTarget.value)}
          error={fieldError(run.error, "period_start")}
        />
        <TextInput
          type="date"
          label="To (UTC, not included)"
          value={to}
          onChange={(event) => setTo(event.currentTarget.value)}
          error={fieldError(run.error, "period_end")}
        />
        <CustomerSelect value={customer} onChange={setCustomer} error={fieldError(run.error, "customer")} />
        <Button loading={run.isPending} onClick={() => run.mutate()}>
          Run backtest
        </Button>
      </Group>
      <ErrorAlert error={run.error ?? more.error} title="The backtest did not run" />
      {result === null ? null : (
        <BacktestResult backtest={result} onMore={() => more.mutate(result)} loadingMore={more.isPending} />
      )}
    </Stack>
  );
}

function BacktestResult(props: { backtest: Backtest; onMore: () => void; loadingMore: boolean }) {
  const { backtest } = props;
  const summary = backtest.summary;
  return (
    <Stack gap="sm" data-testid="backtest-result">
      <Group justify="space-between">
        <Text size="sm" data-testid="backtest-summary">
          {`${summary.events} events of ${summary.customers} customers; ${summary.rows_changed} of ${summary.rows} rows change; unrated ${summary.unrated_before} before, ${summary.unrated_after} after.`}
        </Text>
        <Button component="a" href={`${backtestPath(backtest.id)}.csv`} download variant="default" size="xs">
          Download CSV
        </Button>
      </Group>
      {summary.totals.map((total) => (
        <Group key={total.currency} gap="lg" data-testid="backtest-totals">
          <Text size="sm">
            Before <Amount value={total.amount_before} currency={total.currency} />
          </Text>
          <Text size="sm">
            After <Amount value={total.amount_after} currency={total.currency} />
          </Text>
          <Text size="sm">
            Difference <Amount value={total.amount_difference} currency={total.currency} strong />
          </Text>
        </Group>
      ))}
      <RowsTable rows={backtest.rows.data} />
      {backtest.rows.has_more ? (
        <Group>
          <Button size="xs" variant="light" loading={props.loadingMore} onClick={props.onMore}>
            More rows
          </Button>
        </Group>
      ) : null}
      <ErrorsList errors={backtest.errors} />
    </Stack>
  );
}

function dimensionsText(dimensions: Record<string, string>): string {
  return Object.entries(dimensions)
    .map(([key, value]) => `${key}=${value}`)
    .join(" ");
}

function Difference(props: { value: string; currency?: string }) {
  if (isZero(props.value))
    return (
      <Text span size="sm" c="dimmed" className="amount">
        0
      </Text>
    );
  const text = props.value.startsWith("-") ? props.value : `+${props.value}`;
  return props.currency === undefined ? (
    <Text span size="sm" className="amount" fw={600}>
      {text}
    </Text>
  ) : (
    <Amount value={props.value} currency={props.currency} strong />
  );
}

function RowsTable(props: { rows: BacktestRow[] }) {
  return (
    <Table striped data-testid="backtest-table">
      <Table.Thead className="table-head">
        <Table.Tr>
          <Table.Th>Customer</Table.Th>
          <Table.Th>Code</Table.Th>
          <Table.Th ta="right">Qty before</Table.Th>
          <Table.Th ta="right">Qty after</Table.Th>
          <Table.Th ta="right">Qty diff</Table.Th>
          <Table.Th ta="right">Amount before</Table.Th>
          <Table.Th ta="right">Amount after</Table.Th>
          <Table.Th ta="right">Amount diff</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {props.rows.length === 0 ? <MessageRow columns={8}>No charges in this period.</MessageRow> : null}
        {props.rows.map((row) => (
          <Table.Tr
            key={`${row.customer}:${row.code}:${dimensionsText(row.dimensions)}`}
            data-code={row.code}
            data-changed={String(!isZero(row.difference.amount) || !isZero(row.difference.quantity))}
          >
            <Table.Td>
              <CustomerLink id={row.customer} />
              {row.customer_external_id === null ? null : (
                <Text size="xs" c="dimmed" className="mono">
                  {row.customer_external_id}
                </Text>
              )}
            </Table.Td>
            <Table.Td>
              <Text size="sm" className="mono">
                {row.code}
              </Text>
              <Text size="xs" c="dimmed">
                {dimensionsText(row.dimensions)}
              </Text>
            </Table.Td>
            <Table.Td ta="right" className="amount">
              {row.before.quantity}
            </Table.Td>
            <Table.Td ta="right" className="amount">
              {row.after.quantity}
            </Table.Td>
            <Table.Td ta="right">
              <Difference value={row.difference.quantity} />
            </Table.Td>
            <Table.Td ta="right">
              <Amount value={row.before.amount} currency={row.currency} />
            </Table.Td>
            <Table.Td ta="right">
              <Amount value={row.after.amount} currency={row.currency} />
            </Table.Td>
            <Table.Td ta="right" data-testid="amount-difference">
              <Difference value={row.difference.amount} currency={row.currency} />
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function sideText(label: string, error: BacktestError["before"]): string | null {
  if (error === null) return null;
  const where = error.line === null ? "" : ` at line ${error.line}`;
  return `${label}${error.version === null ? "" : ` (v${error.version})`}: ${error.code}${where}: ${error.message}`;
}

function ErrorsList(props: { errors: BacktestError[] }) {
  if (props.errors.length === 0) return null;
  return (
    <Stack gap={4} data-testid="backtest-errors">
      <Text size="sm" fw={600}>
        Events not rated
      </Text>
      {props.errors.map((error) => (
        <Alert key={`${error.customer}:${error.transaction_id ?? "finalize"}`} color="red" variant="light" p="xs">
          <Group gap="xs" align="flex-start" wrap="nowrap">
            <Badge size="xs" color="gray" variant="light">
              {error.transaction_id ?? "period"}
            </Badge>
            <Stack gap={0}>
              {[sideText("Before", error.before), sideText("After", error.after)]
                .filter((line) => line !== null)
                .map((line) => (
                  <Text key={line} size="xs">
                    {line}
                  </Text>
                ))}
            </Stack>
          </Group>
        </Alert>
      ))}
    </Stack>
  );
}
