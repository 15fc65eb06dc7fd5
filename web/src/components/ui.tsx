import {
  Alert,
  Badge,
  Code,
  CopyButton,
  Group,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
  UnstyledButton,
} from "@mantine/core";
import type { ReactNode } from "react";
import { ApiError } from "../api.js";
import { formatAmount, humanize } from "../format.js";

/** The top of every page: what it is, one line on what it is for, and its main actions. */
export function PageHeader(props: { title: string; description?: ReactNode; actions?: ReactNode }) {
  return (
    <Group justify="space-between" align="flex-end" mb="md" wrap="nowrap">
      <Stack gap={2}>
        <Title order={1}>{props.title}</Title>
        {props.description === undefined ? null : (
          <Text size="sm" c="dimmed">
            {props.description}
          </Text>
        )}
      </Stack>
      {props.actions === undefined ? null : <Group gap="xs">{props.actions}</Group>}
    </Group>
  );
}

/** An API error in the API's own words, with its code and the field it is about. */
export function ErrorAlert(props: { error: unknown; title?: string }) {
  if (props.error === null || props.error === undefined) return null;
  const error = props.error;
  const message = asSentence(error instanceof Error ? error.message : String(error));
  return (
    <Alert color="red" variant="light" title={props.title ?? "The request failed"} role="alert" mb="sm">
      <Text size="sm">{message}</Text>
      {error instanceof ApiError ? (
        <Text size="xs" c="dimmed" mt={4}>
          {error.param === null ? null : (
            <>
              Field: <Code>{error.param}</Code> ·{" "}
            </>
          )}
          Code: <Code>{error.code}</Code>
        </Text>
      ) : null}
    </Alert>
  );
}

/** The API writes messages in lower case for embedding; on their own they read as sentences. */
function asSentence(message: string): string {
  const trimmed = message.trim();
  if (trimmed === "") return trimmed;
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** The message to show under a form field when the API named that field. */
export function fieldError(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError) || error.param === null) return undefined;
  const param = error.param;
  return param === field || param.startsWith(`${field}.`) || param.startsWith(`${field}[`)
    ? asSentence(error.message)
    : undefined;
}

/** A money figure: right-aligned, tabular digits, formatted in its currency. */
export function Amount(props: { value: string; currency: string; strong?: boolean; dimZero?: boolean }) {
  const zero = /^-?0*(\.0*)?$/.test(props.value);
  return (
    <Text
      span
      className="amount"
      size="sm"
      fw={props.strong === true ? 600 : undefined}
      c={props.dimZero === true && zero ? "dimmed" : props.value.startsWith("-") ? "red.8" : undefined}
    >
      {formatAmount(props.value, props.currency)}
    </Text>
  );
}

/** A resource id in monospace; click to copy. */
export function Id(props: { value: string | null | undefined }) {
  if (props.value === null || props.value === undefined || props.value === "")
    return (
      <Text span c="dimmed">
        —
      </Text>
    );
  const value = props.value;
  return (
    <CopyButton value={value}>
      {({ copied, copy }) => (
        <Tooltip label={copied ? "Copied" : "Copy"} withArrow openDelay={400}>
          <UnstyledButton onClick={copy} className="mono" c={copied ? "teal" : undefined}>
            {value}
          </UnstyledButton>
        </Tooltip>
      )}
    </CopyButton>
  );
}

/** A small upper-case label over a value or a block: the fields of a drawer, the sections of a panel. */
export function Labeled(props: { label: string; gap?: number; children: ReactNode }) {
  return (
    <Stack gap={props.gap ?? 2}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {props.label}
      </Text>
      {props.children}
    </Stack>
  );
}

/** One table row spanning every column: loading, empty, or failed. */
export function MessageRow(props: { columns: number; children: ReactNode }) {
  return (
    <Table.Tr>
      <Table.Td colSpan={props.columns}>
        <Text size="sm" c="dimmed" ta="center" py="lg">
          {props.children}
        </Text>
      </Table.Td>
    </Table.Tr>
  );
}

const STATUS_COLORS: Record<string, string> = {
  pending: "yellow",
  approved: "teal",
  rejected: "red",
  succeeded: "teal",
  failed: "orange",
  exhausted: "red",
  enabled: "teal",
  disabled: "gray",
  revoked: "red",
  active: "teal",
};

export function StatusBadge(props: { status: string }) {
  return (
    <Badge variant="light" color={STATUS_COLORS[props.status] ?? "gray"} size="sm" miw="max-content">
      {humanize(props.status)}
    </Badge>
  );
}
