import { Alert, Button, Group, List as ListItems, Paper, Table, Text, TextInput } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { type AuditEvent, type AuditVerification, api, type List } from "../api.js";
import { Pager } from "../components/pager.js";
import { ErrorAlert, MessageRow, PageHeader } from "../components/ui.js";
import { formatInstant, humanize } from "../format.js";
import { AuditDrawer } from "./audit-drawer.js";

const route = getRouteApi("/signed-in/audit-log");
const PAGE_SIZE = 30;

const FILTERS = [
  { key: "actor_id", label: "Actor id", placeholder: "usr_… or key_…" },
  { key: "action", label: "Action", placeholder: "api_key.created" },
  { key: "object_type", label: "Object type", placeholder: "api_key" },
  { key: "object_id", label: "Object id", placeholder: "key_…" },
] as const;

type FilterKey = (typeof FILTERS)[number]["key"];

export function AuditLogPage() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const { event: openEvent, ...query } = search;
  const events = useQuery({
    queryKey: ["audit_events", query],
    queryFn: () => api.get<List<AuditEvent>>("/v1/audit_events", { ...query, limit: PAGE_SIZE }),
  });
  const rows = events.data?.data ?? [];
  const opened = rows.find((row) => row.id === openEvent);

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Who changed what, when, and why. Each row is chained to the one before it by a hash, so an edit or a deletion shows."
      />
      <ChainBanner />
      <AuditFilters />
      <ErrorAlert error={events.error} title="The audit log could not be loaded" />
      <Paper withBorder radius="sm">
        <Table striped highlightOnHover>
          <Table.Thead className="table-head">
            <Table.Tr>
              <Table.Th w={80}>Seq</Table.Th>
              <Table.Th w={190}>Time</Table.Th>
              <Table.Th>Actor</Table.Th>
              <Table.Th>Action</Table.Th>
              <Table.Th>Object</Table.Th>
              <Table.Th>Reason</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {events.isPending ? <MessageRow columns={6}>Loading…</MessageRow> : null}
            {events.data !== undefined && rows.length === 0 ? (
              <MessageRow columns={6}>No audit events match these filters.</MessageRow>
            ) : null}
            {rows.map((event) => (
              <Table.Tr
                key={event.id}
                className="clickable-row"
                onClick={() => void navigate({ search: (prev) => ({ ...prev, event: event.id }) })}
              >
                <Table.Td className="mono">{event.seq}</Table.Td>
                <Table.Td>
                  <Text size="sm">{formatInstant(event.occurred_at)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{event.actor_name ?? event.actor_id}</Text>
                  <Text size="xs" c="dimmed">
                    {humanize(event.actor_type)}
                  </Text>
                </Table.Td>
                <Table.Td className="mono">{event.action}</Table.Td>
                <Table.Td>
                  <Text size="sm">{humanize(event.object_type)}</Text>
                  <Text size="xs" c="dimmed" className="mono">
                    {event.object_id}
                  </Text>
                </Table.Td>
                <Table.Td maw={260}>
                  <Text size="sm" truncate c={event.reason === null ? "dimmed" : undefined}>
                    {event.reason ?? "—"}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      <Pager
        cursor={query}
        rows={rows}
        hasMore={events.data?.has_more ?? false}
        noun={["event", "events"]}
        onPage={(cursor) =>
          void navigate({
            search: (prev) => ({ ...prev, starting_after: undefined, ending_before: undefined, ...cursor }),
          })
        }
      />
      <AuditDrawer
        eventId={openEvent}
        known={opened}
        onClose={() => void navigate({ search: (prev) => ({ ...prev, event: undefined }) })}
      />
    </>
  );
}

/** The result of re-hashing the whole chain: green when intact, red with each problem otherwise. */
function ChainBanner() {
  const verify = useQuery({
    queryKey: ["audit_verify"],
    queryFn: () => api.get<AuditVerification>("/v1/audit_events/verify"),
    staleTime: 60_000,
  });
  if (verify.error !== null) return <ErrorAlert error={verify.error} title="The chain could not be verified" />;
  if (verify.data === undefined) {
    return (
      <Alert color="gray" variant="light" mb="md" title="Verifying the audit chain…">
        Re-hashing every row.
      </Alert>
    );
  }
  const report = verify.data;
  if (report.ok) {
    return (
      <Alert color="teal" variant="light" mb="md" data-testid="chain-status">
        <Group justify="space-between">
          <Text size="sm" fw={600}>
            Chain intact, {report.checked.toLocaleString("en-US")} rows checked
          </Text>
          <Button size="compact-xs" variant="subtle" color="teal" onClick={() => void verify.refetch()}>
            Verify again
          </Button>
        </Group>
      </Alert>
    );
  }
  return (
    <Alert color="red" variant="filled" mb="md" data-testid="chain-status" title="The audit chain is broken">
      <Text size="sm" mb={4}>
        {report.problems.length} problem{report.problems.length === 1 ? "" : "s"} in {report.checked} rows checked
        {report.problems_truncated === true ? " (first problems only)" : ""}:
      </Text>
      <ListItems size="sm" spacing={2}>
        {report.problems.map((problem) => (
          <ListItems.Item key={`${problem.seq}-${problem.kind}`}>
            Row {problem.seq}: {problem.kind} — {problem.detail}
          </ListItems.Item>
        ))}
      </ListItems>
    </Alert>
  );
}

function AuditFilters() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const [filters, setFilters] = useState<Record<FilterKey, string>>({
    actor_id: search.actor_id ?? "",
    action: search.action ?? "",
    object_type: search.object_type ?? "",
    object_id: search.object_id ?? "",
  });
  const apply = (event: FormEvent) => {
    event.preventDefault();
    const next: Partial<Record<FilterKey, string>> = {};
    for (const { key } of FILTERS) if (filters[key].trim() !== "") next[key] = filters[key].trim();
    void navigate({ search: next });
  };
  const clear = () => {
    setFilters({ actor_id: "", action: "", object_type: "", object_id: "" });
    void navigate({ search: {} });
  };
  return (
    <form onSubmit={apply}>
      <Group gap="sm" mb="md" align="flex-end">
        {FILTERS.map((filter) => (
          <TextInput
            key={filter.key}
            label={filter.label}
            placeholder={filter.placeholder}
            w={190}
            value={filters[filter.key]}
            onChange={(event) => setFilters({ ...filters, [filter.key]: event.currentTarget.value })}
          />
        ))}
        <Button type="submit">Apply</Button>
        <Button variant="subtle" color="gray" onClick={clear}>
          Clear
        </Button>
      </Group>
    </form>
  );
}
