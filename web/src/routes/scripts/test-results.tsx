import { Alert, Badge, Group, List, Paper, Stack, Table, Text } from "@mantine/core";
import { amountsEqual } from "../../format.js";
import type { ActualCharge, ExpectedCharge, TestCase, TestCaseResult, TestRun } from "../../scripts.js";

/**
 * A test run as the analyst reads it: passed or failed per case, each
 * difference in words, expected and actual charges side by side, and the
 * events the script failed on with the line it failed at.
 */

const RUN_COLORS = { none: "gray", passing: "teal", failing: "red" } as const;

export function RunSummary(props: { run: TestRun; label: string }) {
  const { run } = props;
  return (
    <Group gap="xs" data-testid="test-summary" data-status={run.status}>
      <Badge color={RUN_COLORS[run.status]} variant="light">
        {run.status === "none" ? "No test cases" : run.status === "passing" ? "Tests pass" : "Tests fail"}
      </Badge>
      <Text size="sm" c="dimmed">
        {props.label}: {run.passed} passed, {run.failed} failed
      </Text>
    </Group>
  );
}

function dimensionsText(dimensions: Record<string, string> | undefined): string {
  if (dimensions === undefined) return "";
  return Object.entries(dimensions)
    .map(([key, value]) => `${key}=${value}`)
    .join(" ");
}

/** Compared as decimals ("0.30" is "0.3"); text that is not a number only equals itself. */
function sameFigure(left: string, right: string): boolean {
  try {
    return amountsEqual(left, right);
  } catch {
    return left === right;
  }
}

function ChargesTable(props: { expected: ExpectedCharge[]; actual: ActualCharge[] }) {
  const count = Math.max(props.expected.length, props.actual.length);
  if (count === 0) return null;
  const rows = Array.from({ length: count }, (_, index) => ({
    index,
    want: props.expected[index],
    got: props.actual[index],
  }));
  const cell = (charge: ExpectedCharge | ActualCharge | undefined) =>
    charge === undefined ? (
      <Text size="xs" c="dimmed">
        none
      </Text>
    ) : (
      <Text size="xs" className="mono">
        {charge.quantity} × {charge.unit_price} = <b>{charge.amount}</b> {dimensionsText(charge.dimensions)}
      </Text>
    );
  return (
    <Table withTableBorder fz="xs" data-testid="charges-compared">
      <Table.Thead className="table-head">
        <Table.Tr>
          <Table.Th>#</Table.Th>
          <Table.Th>Code</Table.Th>
          <Table.Th>Expected</Table.Th>
          <Table.Th>Actual</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map(({ index, want, got }) => {
          const same =
            want !== undefined &&
            got !== undefined &&
            want.code === got.code &&
            sameFigure(want.amount, got.amount) &&
            sameFigure(want.quantity, got.quantity) &&
            sameFigure(want.unit_price, got.unit_price);
          return (
            <Table.Tr key={index} bg={same ? undefined : "red.0"}>
              <Table.Td>{index + 1}</Table.Td>
              <Table.Td className="mono">{want?.code ?? got?.code}</Table.Td>
              <Table.Td>{cell(want)}</Table.Td>
              <Table.Td>{cell(got)}</Table.Td>
            </Table.Tr>
          );
        })}
      </Table.Tbody>
    </Table>
  );
}

function CaseResult(props: { result: TestCaseResult; testCase: TestCase | undefined }) {
  const { result } = props;
  return (
    <Paper
      withBorder
      p="sm"
      radius="sm"
      data-testid="test-result"
      data-case={result.name}
      data-passed={String(result.passed)}
    >
      <Group gap="xs" mb={result.passed ? 0 : "xs"}>
        <Badge size="sm" color={result.passed ? "teal" : "red"} variant="filled">
          {result.passed ? "Passed" : "Failed"}
        </Badge>
        <Text size="sm" fw={500}>
          {result.name}
        </Text>
      </Group>
      {result.passed ? null : (
        <Stack gap="xs">
          <List size="xs" spacing={2} data-testid="differences">
            {result.differences.map((difference) => (
              <List.Item key={difference}>
                <Text size="xs" className="mono">
                  {difference}
                </Text>
              </List.Item>
            ))}
          </List>
          {result.unrated.map((unrated) => (
            <Alert key={`${unrated.transaction_id}:${unrated.code}`} color="red" variant="light" p="xs">
              <Text size="xs" data-testid="unrated-error">
                Event <span className="mono">{unrated.transaction_id}</span>: {unrated.code}
                {unrated.line === null ? "" : ` at line ${unrated.line}`}:{" "}
                {unrated.message.replace(/^script:\d+: /, "")}
              </Text>
            </Alert>
          ))}
          <ChargesTable expected={props.testCase?.expected.charges ?? []} actual={result.charges} />
        </Stack>
      )}
    </Paper>
  );
}

export function TestResults(props: { run: TestRun; cases: readonly TestCase[]; label: string }) {
  return (
    <Stack gap="xs" data-testid="test-results">
      <RunSummary run={props.run} label={props.label} />
      {props.run.results.map((result, index) => (
        <CaseResult
          key={result.name}
          result={result}
          testCase={props.cases.find((testCase) => testCase.name === result.name) ?? props.cases[index]}
        />
      ))}
    </Stack>
  );
}
