import { Button, Group, Text } from "@mantine/core";
import type { ReactNode } from "react";

export interface Cursor {
  starting_after?: string;
  ending_before?: string;
}

/**
 * Cursor paging as the API does it: Next asks for rows after the last one
 * shown, Previous for rows before the first. `has_more` speaks about the
 * direction just travelled, so the other direction is known to exist.
 */
function pageLinks(cursor: Cursor, hasMore: boolean): { hasNext: boolean; hasPrevious: boolean } {
  if (cursor.ending_before !== undefined) return { hasNext: true, hasPrevious: hasMore };
  if (cursor.starting_after !== undefined) return { hasNext: hasMore, hasPrevious: true };
  return { hasNext: hasMore, hasPrevious: false };
}

export function Pager(props: {
  cursor: Cursor;
  rows: readonly { id: string }[];
  hasMore: boolean;
  onPage: (cursor: Cursor) => void;
  /** What a row is, singular and plural: ["entry", "entries"]. */
  noun: [string, string];
}) {
  const { hasNext, hasPrevious } = pageLinks(props.cursor, props.hasMore);
  const first = props.rows[0]?.id;
  const last = props.rows[props.rows.length - 1]?.id;
  return (
    <Group justify="space-between" mt="xs">
      <Text size="xs" c="dimmed">
        {props.rows.length === 0
          ? ""
          : `${props.rows.length} ${props.rows.length === 1 ? props.noun[0] : props.noun[1]} on this page`}
      </Text>
      <Group gap="xs">
        <Button
          size="xs"
          variant="default"
          disabled={!hasPrevious || first === undefined}
          onClick={() => first !== undefined && props.onPage({ ending_before: first })}
        >
          ← Previous
        </Button>
        <Button
          size="xs"
          variant="default"
          disabled={!hasNext || last === undefined}
          onClick={() => last !== undefined && props.onPage({ starting_after: last })}
        >
          Next →
        </Button>
      </Group>
    </Group>
  );
}

/**
 * Paging for lists the API pages forward only (events, an explanation's
 * charges): `cursors` are the pages passed, kept to walk back; `next` is the
 * API's cursor for the page after this one, null on the last.
 */
export function ForwardPager(props: {
  summary: ReactNode;
  cursors: readonly string[];
  next: string | null | undefined;
  onCursors: (cursors: string[]) => void;
  labels: [string, string];
}) {
  const next = props.next;
  return (
    <Group justify="space-between" mt="xs">
      <Text size="xs" c="dimmed" component="div">
        {props.summary}
      </Text>
      <Group gap="xs">
        <Button
          size="xs"
          variant="default"
          disabled={props.cursors.length === 0}
          onClick={() => props.onCursors(props.cursors.slice(0, -1))}
        >
          {props.labels[0]}
        </Button>
        <Button
          size="xs"
          variant="default"
          disabled={next === null || next === undefined}
          onClick={() => {
            if (next !== null && next !== undefined) props.onCursors([...props.cursors, next]);
          }}
        >
          {props.labels[1]}
        </Button>
      </Group>
    </Group>
  );
}
