import {
  Button,
  Code,
  Group,
  Modal,
  Paper,
  SegmentedControl,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { api, type List } from "../../api.js";
import { Pager } from "../../components/pager.js";
import { ErrorAlert, MessageRow, StatusBadge } from "../../components/ui.js";
import { formatInstant, humanize } from "../../format.js";
import type { EventRejection, RetryResult } from "../../usage.js";

/**
 * Rejected events: why each was refused and where it came from, retried as
 * it is once the cause is fixed (the customer now exists), or corrected
 * first when the event itself was wrong.
 */

const route = getRouteApi("/signed-in/usage/events");
const PAGE_SIZE = 25;
const COLUMNS = 7;

export function RejectionsPanel() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const status = search.status ?? "open";
  const [code, setCode] = useState(search.code ?? "");
  const [editing, setEditing] = useState<EventRejection | null>(null);
  const cursor = { starting_after: search.starting_after, ending_before: search.ending_before };
  const rejections = useQuery({
    queryKey: ["event_rejections", status, search.code, cursor],
    queryFn: () =>
      api.get<List<EventRejection>>("/v1/events/rejections", {
        ...cursor,
        status: status === "all" ? undefined : status,
        code: search.code,
        limit: PAGE_SIZE,
      }),
  });
  const rows = rejections.data?.data ?? [];
  const filters = { tab: "rejections", status: search.status, code: search.code };
  const apply = (event: FormEvent) => {
    event.preventDefault();
    void navigate({ search: { ...filters, code: code.trim() || undefined } });
  };

  return (
    <>
      <form onSubmit={apply}>
        <Group gap="sm" mb="md" align="flex-end">
          <SegmentedControl
            value={status}
            onChange={(value) =>
              void navigate({ search: { ...filters, status: value === "open" ? undefined : value } })
            }
            data={[
              { value: "open", label: "Open" },
              { value: "resolved", label: "Resolved" },
              { value: "all", label: "All" },
            ]}
          />
          <TextInput
            label="Code"
            placeholder="event_customer_not_found"
            w={260}
            value={code}
            onChange={(event) => setCode(event.currentTarget.value)}
          />
          <Button type="submit">Apply</Button>
        </Group>
      </form>
      <ErrorAlert error={rejections.error} title="The rejected events could not be loaded" />
      <Paper withBorder radius="sm">
        <Table striped data-testid="rejections-table">
          <Table.Thead className="table-head">
            <Table.Tr>
              <Table.Th>Received</Table.Th>
              <Table.Th>Reason</Table.Th>
              <Table.Th>From</Table.Th>
              <Table.Th>Event as received</Table.Th>
              <Table.Th ta="right">Retries</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rejections.isPending ? <MessageRow columns={COLUMNS}>Loading…</MessageRow> : null}
            {rejections.data !== undefined && rows.length === 0 ? (
              <MessageRow columns={COLUMNS}>
                {status === "open" ? "No rejected event waits for a fix." : "No rejected events."}
              </MessageRow>
            ) : null}
            {rows.map((rejection) => (
              <RejectionRow key={rejection.id} rejection={rejection} onEdit={() => setEditing(rejection)} />
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      <Pager
        cursor={cursor}
        rows={rows}
        hasMore={rejections.data?.has_more ?? false}
        noun={["rejected event", "rejected events"]}
        onPage={(next) => void navigate({ search: { ...filters, ...next } })}
      />
      {editing === null ? null : (
        <EditRetryModal key={editing.id} rejection={editing} onClose={() => setEditing(null)} />
      )}
    </>
  );
}

function useRetry(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (event?: unknown) =>
      api.post<RetryResult>(
        `/v1/events/rejections/${encodeURIComponent(id)}/retry`,
        event === undefined ? {} : { event },
      ),
    onSuccess: async (answer) => {
      if (answer.rejection.status === "resolved") {
        notifications.show({
          color: "teal",
          title: answer.result.status === "duplicate" ? "Already stored" : "Event stored",
          message: answer.rejection.event ?? "",
        });
      } else {
        notifications.show({
          color: "orange",
          title: "Rejected again",
          message: `${answer.rejection.code}: ${answer.rejection.message}`,
        });
      }
      await queryClient.invalidateQueries({ queryKey: ["event_rejections"] });
      await queryClient.invalidateQueries({ queryKey: ["usage_events"] });
    },
    onError: (error) => notifications.show({ color: "red", title: "Not retried", message: error.message }),
  });
}

function RejectionRow(props: { rejection: EventRejection; onEdit: () => void }) {
  const rejection = props.rejection;
  const retry = useRetry(rejection.id);
  return (
    <Table.Tr data-rejection={rejection.id}>
      <Table.Td>
        <Text size="sm">{formatInstant(rejection.received_at)}</Text>
      </Table.Td>
      <Table.Td maw={320}>
        <Text size="sm" className="mono">
          {rejection.code}
        </Text>
        <Text size="xs" c="dimmed">
          {rejection.message}
          {rejection.field === null ? "" : ` (field ${rejection.field})`}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{humanize(rejection.source)}</Text>
        {rejection.line === null ? null : (
          <Text size="xs" c="dimmed">
            {rejection.source === "batch" ? `position ${rejection.line}` : `line ${rejection.line}`}
          </Text>
        )}
      </Table.Td>
      <Table.Td maw={360}>
        <Text size="xs" className="mono" lineClamp={2} c="dimmed">
          {rejection.raw}
        </Text>
      </Table.Td>
      <Table.Td ta="right">
        <Text size="sm">{rejection.retry_count}</Text>
      </Table.Td>
      <Table.Td>
        <StatusBadge status={rejection.status} />
        {rejection.event === null ? null : (
          <Text size="xs" c="dimmed" className="mono">
            {rejection.event}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        {rejection.status === "open" ? (
          <Group gap={4} wrap="nowrap" justify="flex-end">
            <Button size="compact-xs" loading={retry.isPending} onClick={() => retry.mutate(undefined)}>
              Retry
            </Button>
            <Button size="compact-xs" variant="light" onClick={props.onEdit}>
              Edit & retry
            </Button>
          </Group>
        ) : null}
      </Table.Td>
    </Table.Tr>
  );
}

/** The raw line, pretty-printed when it is JSON, to correct and send again. */
function prettyRaw(raw: string): string {
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    return raw;
  }
}

function EditRetryModal(props: { rejection: EventRejection; onClose: () => void }) {
  const [text, setText] = useState(() => prettyRaw(props.rejection.raw));
  const [parseError, setParseError] = useState<string | null>(null);
  const retry = useRetry(props.rejection.id);
  const send = () => {
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch (error) {
      setParseError(`Not JSON: ${(error as Error).message}`);
      return;
    }
    if (event === null || typeof event !== "object" || Array.isArray(event)) {
      setParseError("An event is a JSON object: { transaction_id, customer, type, timestamp, properties }");
      return;
    }
    setParseError(null);
    retry.mutate(event, {
      onSuccess: (answer) => {
        if (answer.rejection.status === "resolved") props.onClose();
      },
    });
  };
  const rejectedAgain = retry.data?.rejection.status === "open" ? retry.data.rejection : null;
  return (
    <Modal opened onClose={props.onClose} size="lg" title="Correct the event and retry">
      <Stack gap="sm">
        <Text size="sm">
          Refused with <Code>{props.rejection.code}</Code>: {props.rejection.message}
        </Text>
        {rejectedAgain === null ? null : (
          <Text size="sm" c="orange.8" role="alert">
            Rejected again with {rejectedAgain.code}: {rejectedAgain.message}
          </Text>
        )}
        <Textarea
          label="Event (JSON)"
          autosize
          minRows={8}
          maxRows={20}
          styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)", fontSize: 13 } }}
          value={text}
          onChange={(event) => setText(event.currentTarget.value)}
          error={parseError ?? undefined}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onClose}>
            Cancel
          </Button>
          <Button loading={retry.isPending} onClick={send}>
            Retry with these changes
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
