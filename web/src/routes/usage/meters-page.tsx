import { Badge, Button, Paper, SegmentedControl, Table, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { useState } from "react";
import { api, type List } from "../../api.js";
import { Pager } from "../../components/pager.js";
import { ErrorAlert, MessageRow, PageHeader, StatusBadge } from "../../components/ui.js";
import { formatInstant, humanize } from "../../format.js";
import type { Meter } from "../../usage.js";
import { describeFilter, MeterFormModal } from "./meter-form.js";

/** Meters: which events count and how, the quantities metered prices bill. */

const route = getRouteApi("/signed-in/usage/meters");
const PAGE_SIZE = 25;
const COLUMNS = 6;

export function MetersPage() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const [creating, setCreating] = useState(false);
  const status = search.status ?? "active";
  const cursor = { starting_after: search.starting_after, ending_before: search.ending_before };
  const meters = useQuery({
    queryKey: ["meters", status, cursor],
    queryFn: () =>
      api.get<List<Meter>>("/v1/meters", {
        ...cursor,
        status: status === "all" ? undefined : status,
        limit: PAGE_SIZE,
      }),
  });
  const rows = meters.data?.data ?? [];
  return (
    <>
      <PageHeader
        title="Meters"
        description="Which usage events count and how they add up: the quantity per customer and period that metered prices bill."
        actions={<Button onClick={() => setCreating(true)}>New meter</Button>}
      />
      <SegmentedControl
        mb="md"
        size="sm"
        value={status}
        onChange={(value) => void navigate({ search: value === "active" ? {} : { status: value } })}
        data={[
          { value: "active", label: "Active" },
          { value: "archived", label: "Archived" },
          { value: "all", label: "All" },
        ]}
      />
      <ErrorAlert error={meters.error} title="The meters could not be loaded" />
      <Paper withBorder radius="sm">
        <Table striped highlightOnHover>
          <Table.Thead className="table-head">
            <Table.Tr>
              <Table.Th>Meter</Table.Th>
              <Table.Th>Event type</Table.Th>
              <Table.Th>Aggregation</Table.Th>
              <Table.Th>Filters and groups</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Changed</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {meters.isPending ? <MessageRow columns={COLUMNS}>Loading…</MessageRow> : null}
            {meters.data !== undefined && rows.length === 0 ? (
              <MessageRow columns={COLUMNS}>No meters here yet.</MessageRow>
            ) : null}
            {rows.map((meter) => (
              <Table.Tr
                key={meter.id}
                className="clickable-row"
                onClick={() => void navigate({ to: "/usage/meters/$id", params: { id: meter.id } })}
              >
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {meter.name}
                  </Text>
                  <Text size="xs" c="dimmed" className="mono">
                    {meter.code}
                  </Text>
                </Table.Td>
                <Table.Td className="mono">{meter.event_type}</Table.Td>
                <Table.Td>
                  <Text size="sm">
                    {humanize(meter.aggregation)}
                    {meter.value_property === null ? "" : ` of ${meter.value_property}`}
                  </Text>
                </Table.Td>
                <Table.Td maw={320}>
                  {meter.filters.map((filter) => (
                    <Text key={filter.property} size="xs" className="mono">
                      {describeFilter(filter)}
                    </Text>
                  ))}
                  {meter.group_by.length === 0 ? null : (
                    <Badge size="xs" variant="light" mt={2}>
                      per {meter.group_by.join(", ")}
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>
                  <StatusBadge status={meter.status} />
                </Table.Td>
                <Table.Td>
                  <Text size="xs" c="dimmed">
                    {formatInstant(meter.updated_at)}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      <Pager
        cursor={cursor}
        rows={rows}
        hasMore={meters.data?.has_more ?? false}
        noun={["meter", "meters"]}
        onPage={(next) => void navigate({ search: { status: search.status, ...next } })}
      />
      {creating ? <MeterFormModal meter={null} onClose={() => setCreating(false)} /> : null}
    </>
  );
}
