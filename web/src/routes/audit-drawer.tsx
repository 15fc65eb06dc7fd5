import { Badge, Code, Drawer, Group, Paper, SimpleGrid, Stack, Switch, Table, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { type AuditEvent, api } from "../api.js";
import { ErrorAlert, Id } from "../components/ui.js";
import { type ChangeKind, diffRecords, showValue } from "../diff.js";
import { formatInstant, humanize } from "../format.js";

const KIND_STYLE: Record<ChangeKind, { color: string; background: string; label: string }> = {
  added: { color: "teal", background: "var(--mantine-color-teal-0)", label: "Added" },
  removed: { color: "red", background: "var(--mantine-color-red-0)", label: "Removed" },
  changed: { color: "yellow", background: "var(--mantine-color-yellow-0)", label: "Changed" },
  unchanged: { color: "gray", background: "transparent", label: "Same" },
};

/** One audit event: who and why, then its before and after as a field-by-field diff. */
export function AuditDrawer(props: {
  eventId: string | undefined;
  known: AuditEvent | undefined;
  onClose: () => void;
}) {
  const event = useQuery({
    queryKey: ["audit_event", props.eventId],
    queryFn: () => api.get<AuditEvent>(`/v1/audit_events/${encodeURIComponent(props.eventId ?? "")}`),
    enabled: props.eventId !== undefined && props.known === undefined,
  });
  const shown = props.known ?? event.data;
  return (
    <Drawer
      opened={props.eventId !== undefined}
      onClose={props.onClose}
      position="right"
      size="xl"
      title={<Text fw={600}>Audit event</Text>}
    >
      <ErrorAlert error={event.error} title="The event could not be loaded" />
      {shown === undefined ? null : <EventDetail event={shown} />}
    </Drawer>
  );
}

function Field(props: { label: string; children: React.ReactNode }) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed" tt="uppercase">
        {props.label}
      </Text>
      <Text size="sm" component="div">
        {props.children}
      </Text>
    </Stack>
  );
}

function EventDetail(props: { event: AuditEvent }) {
  const { event } = props;
  const [showUnchanged, setShowUnchanged] = useState(false);
  const changes = diffRecords(event.before, event.after);
  const shown = changes.filter((change) => showUnchanged || change.kind !== "unchanged");
  const counts = (kind: ChangeKind) => changes.filter((change) => change.kind === kind).length;
  return (
    <Stack gap="md">
      <SimpleGrid cols={2} spacing="sm">
        <Field label="Action">
          <Code>{event.action}</Code>
        </Field>
        <Field label="When">{formatInstant(event.occurred_at)}</Field>
        <Field label="Actor">
          {event.actor_name ?? "—"} ({humanize(event.actor_type)}) <Id value={event.actor_id} />
        </Field>
        <Field label="Object">
          {humanize(event.object_type)} <Id value={event.object_id} />
        </Field>
        <Field label="Reason">{event.reason ?? "—"}</Field>
        <Field label="Request">
          <Id value={event.request_id} />
        </Field>
        <Field label="Chain position">{event.seq}</Field>
      </SimpleGrid>
      <Group justify="space-between">
        <Group gap="xs">
          <Text fw={600} size="sm">
            Changes
          </Text>
          {(["added", "removed", "changed"] as const).map((kind) => (
            <Badge key={kind} size="sm" variant="light" color={KIND_STYLE[kind].color}>
              {counts(kind)} {kind}
            </Badge>
          ))}
        </Group>
        <Switch
          size="xs"
          label="Show unchanged fields"
          checked={showUnchanged}
          onChange={(change) => setShowUnchanged(change.currentTarget.checked)}
        />
      </Group>
      <Paper withBorder radius="sm">
        <Table layout="fixed" data-testid="audit-diff">
          <Table.Thead className="table-head">
            <Table.Tr>
              <Table.Th w="28%">Field</Table.Th>
              <Table.Th>Before</Table.Th>
              <Table.Th>After</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {shown.length === 0 ? (
              <Table.Tr>
                <Table.Td colSpan={3}>
                  <Text size="sm" c="dimmed" ta="center">
                    {changes.length === 0 ? "Nothing recorded before or after." : "No field changed."}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ) : null}
            {shown.map((change) => (
              <Table.Tr key={change.path} style={{ background: KIND_STYLE[change.kind].background }}>
                <Table.Td>
                  <Text size="xs" className="mono" style={{ wordBreak: "break-all" }}>
                    {change.path}
                  </Text>
                  <Text size="xs" c={KIND_STYLE[change.kind].color} fw={600}>
                    {KIND_STYLE[change.kind].label}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text
                    size="xs"
                    className="mono"
                    td={change.kind === "changed" || change.kind === "removed" ? "line-through" : undefined}
                    c={change.kind === "unchanged" ? "dimmed" : undefined}
                    style={{ wordBreak: "break-all" }}
                  >
                    {showValue(change.before)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="xs" className="mono" style={{ wordBreak: "break-all" }}>
                    {showValue(change.after)}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
    </Stack>
  );
}
