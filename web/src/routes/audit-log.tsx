import { Alert, Button, Group, List as ListItems, Table, Text, TextInput } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { useState } from "react";
import { type AuditEvent, type AuditVerification, api, type List } from "../api.js";
import { FilteredTable, FilterForm } from "../components/filtered-table.js";
import { ErrorAlert } from "../components/ui.js";
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
  const opened = events.data?.data.find((row) => row.id === openEvent);
  return (
    <FilteredTable
      title="Audit log"
      description="Who changed what, when, and why. Each row is chained to the one before it by a hash, so an edit or a deletion shows."
      filters={
        <>
          <ChainBanner />
          <AuditFilters />
        </>
      }
      query={events}
      errorTitle="The audit log could not be loaded"
      columns={[{ label: "Seq", width: 80 }, { label: "Time", width: 190 }, "Actor", "Action", "Object", "Reason"]}
      empty="No audit events match these filters."
      onRowClick={(event) => void navigate({ search: (prev) => ({ ...prev, event: event.id }) })}
      cells={(event) => <AuditEventCells event={event} />}
      pager={{
        cursor: query,
        noun: ["event", "events"],
        onPage: (cursor) =>
          void navigate({
            search: (prev) => ({ ...prev, starting_after: undefined, ending_before: undefined, ...cursor }),
          }),
      }}
    >
      <AuditDrawer
        eventId={openEvent}
        known={opened}
        onClose={() => void navigate({ search: (prev) => ({ ...prev, event: undefined }) })}
      />
    </FilteredTable>
  );
}

function AuditEventCells(props: { event: AuditEvent }) {
  const event = props.event;
  return (
    <>
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
  const apply = () => {
    const next: Partial<Record<FilterKey, string>> = {};
    for (const { key } of FILTERS) if (filters[key].trim() !== "") next[key] = filters[key].trim();
    void navigate({ search: next });
  };
  const clear = () => {
    setFilters({ actor_id: "", action: "", object_type: "", object_id: "" });
    void navigate({ search: {} });
  };
  return (
    <FilterForm onApply={apply} onClear={clear}>
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
    </FilterForm>
  );
}
