import { ActionIcon, Button, Group, Paper, SimpleGrid, Stack, Text, Textarea, TextInput } from "@mantine/core";
import type { TestCase } from "../../scripts.js";

/**
 * A version's test cases as the analyst edits them: a name and three JSON
 * fields (input events, rate card values, expected charges). The JSON is
 * kept as typed and read only on save or run, so a half-typed bracket is
 * never lost; what cannot be read is named on its field.
 */

export interface CaseDraft {
  /** Stable React key; names change as people type. */
  key: number;
  name: string;
  events: string;
  rates: string;
  charges: string;
  /** Kept as they came: the period and currency, and the events expected to fail. */
  context: TestCase["context"];
  unrated: TestCase["expected"]["unrated"];
}

let nextKey = 0;
const pretty = (value: unknown) => JSON.stringify(value, null, 2);

export function caseDrafts(cases: readonly TestCase[]): CaseDraft[] {
  return cases.map((testCase) => ({
    key: nextKey++,
    name: testCase.name,
    events: pretty(testCase.events),
    rates: pretty(testCase.rates),
    charges: pretty(testCase.expected.charges),
    context: testCase.context,
    unrated: testCase.expected.unrated,
  }));
}

function blankCase(): CaseDraft {
  return {
    key: nextKey++,
    name: "",
    events: pretty([
      { transaction_id: "e-1", type: "order.shipped", timestamp: "2026-11-04T12:00:00Z", properties: {} },
    ]),
    rates: pretty({}),
    charges: pretty([]),
    context: undefined,
    unrated: undefined,
  };
}

/** Which case and field could not be read, for the message under that field. */
export interface CaseProblem {
  key: number;
  field: "events" | "rates" | "charges";
  message: string;
}

function parseField(draft: CaseDraft, field: CaseProblem["field"]): unknown {
  try {
    return JSON.parse(draft[field]);
  } catch (error) {
    throw { key: draft.key, field, message: `Not valid JSON: ${(error as Error).message}` } satisfies CaseProblem;
  }
}

/** The cases as the API takes them; throws a CaseProblem naming the first field that is not JSON. */
export function casesOf(drafts: readonly CaseDraft[]): TestCase[] {
  return drafts.map((draft) => {
    const expected: TestCase["expected"] = { charges: parseField(draft, "charges") as TestCase["expected"]["charges"] };
    if (draft.unrated !== undefined) expected.unrated = draft.unrated;
    return {
      name: draft.name.trim(),
      events: parseField(draft, "events") as TestCase["events"],
      rates: parseField(draft, "rates") as TestCase["rates"],
      ...(draft.context === undefined ? {} : { context: draft.context }),
      expected,
    };
  });
}

export function isCaseProblem(value: unknown): value is CaseProblem {
  return typeof value === "object" && value !== null && "key" in value && "field" in value;
}

/** The API names a case's field as `test_cases.2.expected…`: the message goes under that case. */
function apiFieldError(param: string | null, index: number, field: string): string | undefined {
  if (param === null) return undefined;
  const prefix = `test_cases.${index}.`;
  if (!param.startsWith(prefix)) return undefined;
  const rest = param.slice(prefix.length);
  const apiField = field === "charges" ? "expected" : field;
  return rest === apiField || rest.startsWith(`${apiField}.`) ? `The API refused ${param}` : undefined;
}

export function TestCasesEditor(props: {
  drafts: CaseDraft[];
  onChange: (next: CaseDraft[]) => void;
  readOnly: boolean;
  problem: CaseProblem | null;
  apiParam: string | null;
}) {
  const set = (key: number, field: keyof Omit<CaseDraft, "key">, value: string) =>
    props.onChange(props.drafts.map((draft) => (draft.key === key ? { ...draft, [field]: value } : draft)));
  const errorFor = (draft: CaseDraft, index: number, field: CaseProblem["field"]) =>
    props.problem?.key === draft.key && props.problem.field === field
      ? props.problem.message
      : apiFieldError(props.apiParam, index, field);
  return (
    <Stack gap="sm" data-testid="test-cases-editor">
      {props.drafts.length === 0 ? (
        <Text size="sm" c="dimmed">
          No test cases yet. A case is a few events, the rate card values to rate them with, and the charges you expect,
          worked out by hand.
        </Text>
      ) : null}
      {props.drafts.map((draft, index) => (
        <Paper key={draft.key} withBorder p="sm" radius="sm" data-testid="test-case" data-case={draft.name}>
          <Group justify="space-between" mb="xs" wrap="nowrap">
            <TextInput
              aria-label={`Case ${index + 1} name`}
              placeholder="an order with markup"
              size="xs"
              w={360}
              value={draft.name}
              readOnly={props.readOnly}
              onChange={(event) => set(draft.key, "name", event.currentTarget.value)}
              error={apiFieldError(props.apiParam, index, "name")}
            />
            {props.readOnly ? null : (
              <ActionIcon
                variant="subtle"
                color="red"
                aria-label={`Remove case ${index + 1}`}
                onClick={() => props.onChange(props.drafts.filter((other) => other.key !== draft.key))}
              >
                ×
              </ActionIcon>
            )}
          </Group>
          <SimpleGrid cols={{ base: 1, lg: 3 }} spacing="xs">
            {(
              [
                ["events", "Input events (JSON)"],
                ["rates", "Rate card values (JSON)"],
                ["charges", "Expected charges (JSON)"],
              ] as const
            ).map(([field, label]) => (
              <Textarea
                key={field}
                label={label}
                aria-label={`Case ${index + 1} ${label}`}
                className="mono"
                styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)", fontSize: 12 } }}
                autosize
                minRows={4}
                maxRows={16}
                readOnly={props.readOnly}
                value={draft[field]}
                onChange={(event) => set(draft.key, field, event.currentTarget.value)}
                error={errorFor(draft, index, field)}
              />
            ))}
          </SimpleGrid>
        </Paper>
      ))}
      {props.readOnly ? null : (
        <Group>
          <Button size="xs" variant="light" onClick={() => props.onChange([...props.drafts, blankCase()])}>
            Add a test case
          </Button>
        </Group>
      )}
    </Stack>
  );
}
