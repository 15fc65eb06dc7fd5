import { Badge, Table, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { api, type List } from "../../api.js";
import { FilteredTable, SegmentFilter } from "../../components/filtered-table.js";
import { StatusBadge } from "../../components/ui.js";
import { formatInstant, humanize } from "../../format.js";
import type { Meter } from "../../usage.js";
import { describeFilter, MeterFormModal } from "./meter-form.js";

/** Meters: which events count and how, the quantities metered prices bill. */

const route = getRouteApi("/signed-in/usage/meters");
const PAGE_SIZE = 25;
const STATUSES = [
  { value: "active", label: "Active" },
  { value: "archived", label: "Archived" },
  { value: "all", label: "All" },
];

export function MetersPage() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
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
  return (
    <FilteredTable
      title="Meters"
      description="Which usage events count and how they add up: the quantity per customer and period that metered prices bill."
      create={{ label: "New meter", dialog: (close) => <MeterFormModal meter={null} onClose={close} /> }}
      filters={
        <SegmentFilter
          value={status}
          options={STATUSES}
          onChange={(value) => void navigate({ search: value === "active" ? {} : { status: value } })}
        />
      }
      query={meters}
      errorTitle="The meters could not be loaded"
      columns={["Meter", "Event type", "Aggregation", "Filters and groups", "Status", "Changed"]}
      empty="No meters here yet."
      onRowClick={(meter) => void navigate({ to: "/usage/meters/$id", params: { id: meter.id } })}
      cells={(meter) => <MeterCells meter={meter} />}
      pager={{
        cursor,
        noun: ["meter", "meters"],
        onPage: (next) => void navigate({ search: { status: search.status, ...next } }),
      }}
    />
  );
}

function MeterCells(props: { meter: Meter }) {
  const meter = props.meter;
  return (
    <>
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
    </>
  );
}
