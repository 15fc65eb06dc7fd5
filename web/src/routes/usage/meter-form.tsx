import {
  ActionIcon,
  Button,
  Group,
  Modal,
  Select,
  SimpleGrid,
  Stack,
  TagsInput,
  Text,
  Textarea,
  TextInput,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { api } from "../../api.js";
import { utcInstant } from "../../billing.js";
import { ErrorAlert, fieldError } from "../../components/ui.js";
import { humanize } from "../../format.js";
import { METER_AGGREGATIONS, type Meter, type MeterAggregation, type MeterFilter, meterPath } from "../../usage.js";

/**
 * Creating and changing a meter. The API checks the definition and names the
 * field it refuses (`filters[0].operator`, `group_by[1]`), so each error is
 * shown under the input it is about.
 */

export function describeFilter(filter: MeterFilter): string {
  return filter.operator === "equals"
    ? `${filter.property} = ${filter.value}`
    : `${filter.property} in (${filter.values.join(", ")})`;
}

const AGGREGATION_HELP: Record<MeterAggregation, string> = {
  count: "the number of events",
  sum: "the values added up",
  max: "the largest value in the period",
  unique_count: "the number of distinct values",
  latest: "the last value, carried into later periods",
  time_weighted_sum: "value × days held (pallet-days)",
};

interface FilterDraft {
  property: string;
  operator: "equals" | "in";
  /** One value, or several separated by commas for "in". */
  values: string;
}

interface MeterDraft {
  code: string;
  name: string;
  description: string;
  event_type: string;
  aggregation: MeterAggregation;
  value_property: string;
  group_by: string[];
  filters: FilterDraft[];
  reproject_from: string;
}

function draftOf(meter: Meter | null): MeterDraft {
  return {
    code: meter?.code ?? "",
    name: meter?.name ?? "",
    description: meter?.description ?? "",
    event_type: meter?.event_type ?? "",
    aggregation: meter?.aggregation ?? "count",
    value_property: meter?.value_property ?? "",
    group_by: meter?.group_by ?? [],
    filters: (meter?.filters ?? []).map((filter) => ({
      property: filter.property,
      operator: filter.operator,
      values: filter.operator === "equals" ? filter.value : filter.values.join(", "),
    })),
    reproject_from: "",
  };
}

function filterBody(filter: FilterDraft): MeterFilter {
  const property = filter.property.trim();
  if (filter.operator === "equals") return { property, operator: "equals", value: filter.values.trim() };
  const values = filter.values
    .split(",")
    .map((value) => value.trim())
    .filter((value) => value !== "");
  return { property, operator: "in", values };
}

function bodyOf(draft: MeterDraft, creating: boolean) {
  const definition = {
    name: draft.name.trim(),
    description: draft.description.trim() === "" ? null : draft.description.trim(),
    event_type: draft.event_type.trim(),
    aggregation: draft.aggregation,
    value_property:
      draft.aggregation === "count" || draft.value_property.trim() === "" ? null : draft.value_property.trim(),
    filters: draft.filters.map(filterBody),
    group_by: draft.group_by,
  };
  if (creating) return { code: draft.code.trim(), ...definition };
  const reproject = utcInstant(draft.reproject_from);
  return reproject === null ? definition : { ...definition, reproject_from: reproject };
}

/** The API names a filter `filters[0].value`; a request-shape check names it `filters.0.value`. */
function filterError(error: unknown, index: number, field?: string): string | undefined {
  const suffix = field === undefined ? "" : `.${field}`;
  return fieldError(error, `filters[${index}]${suffix}`) ?? fieldError(error, `filters.${index}${suffix}`);
}

export function MeterFormModal(props: { meter: Meter | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const creating = props.meter === null;
  const [draft, setDraft] = useState<MeterDraft>(() => draftOf(props.meter));
  const save = useMutation({
    mutationFn: () =>
      creating
        ? api.post<Meter>("/v1/meters", bodyOf(draft, true))
        : api.post<Meter>(meterPath(props.meter?.id ?? ""), bodyOf(draft, false)),
    onSuccess: async (meter) => {
      notifications.show({ color: "teal", title: creating ? "Meter created" : "Meter saved", message: meter.name });
      queryClient.setQueryData(["meter", meter.id], meter);
      await queryClient.invalidateQueries({ queryKey: ["meters"] });
      await queryClient.invalidateQueries({ queryKey: ["usage"] });
      props.onClose();
      if (creating) await navigate({ to: "/usage/meters/$id", params: { id: meter.id } });
    },
  });
  const set =
    (key: "code" | "name" | "description" | "event_type" | "value_property" | "reproject_from") =>
    (event: { currentTarget: { value: string } }) =>
      setDraft({ ...draft, [key]: event.currentTarget.value });
  const error = (param: string) => fieldError(save.error, param);
  const setFilter = (index: number, change: Partial<FilterDraft>) =>
    setDraft({
      ...draft,
      filters: draft.filters.map((filter, at) => (at === index ? { ...filter, ...change } : filter)),
    });

  return (
    <Modal opened onClose={props.onClose} size="lg" title={creating ? "New meter" : `Edit ${props.meter?.code}`}>
      <Stack gap="sm">
        <ErrorAlert error={save.error} title="Not saved" />
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextInput
            label="Code"
            description="What prices name; it never changes"
            placeholder="cold_pallet_days"
            disabled={!creating}
            value={draft.code}
            onChange={set("code")}
            error={error("code")}
          />
          <TextInput label="Name" required value={draft.name} onChange={set("name")} error={error("name")} />
          <TextInput
            label="Event type"
            required
            placeholder="inventory.snapshot"
            value={draft.event_type}
            onChange={set("event_type")}
            error={error("event_type")}
          />
          <Select
            label="Aggregation"
            allowDeselect={false}
            data={METER_AGGREGATIONS.map((value) => ({ value, label: humanize(value) }))}
            value={draft.aggregation}
            onChange={(value) => value !== null && setDraft({ ...draft, aggregation: value as MeterAggregation })}
            description={AGGREGATION_HELP[draft.aggregation]}
            error={error("aggregation")}
          />
          <TextInput
            label="Value property"
            description={draft.aggregation === "count" ? "Count takes none" : "The number aggregated, e.g. pallets"}
            disabled={draft.aggregation === "count"}
            value={draft.aggregation === "count" ? "" : draft.value_property}
            onChange={set("value_property")}
            error={error("value_property")}
          />
          <TagsInput
            label="Group by"
            description="Up to five properties; press Enter after each"
            value={draft.group_by}
            onChange={(group_by) => setDraft({ ...draft, group_by })}
            error={error("group_by")}
          />
        </SimpleGrid>
        <Stack gap={6}>
          <Group justify="space-between">
            <Text size="sm" fw={500}>
              Filters
            </Text>
            <Button
              size="compact-xs"
              variant="light"
              onClick={() =>
                setDraft({ ...draft, filters: [...draft.filters, { property: "", operator: "equals", values: "" }] })
              }
            >
              Add filter
            </Button>
          </Group>
          {draft.filters.length === 0 ? (
            <Text size="xs" c="dimmed">
              No filter: every event of this type counts.
            </Text>
          ) : null}
          {fieldError(save.error, "filters") !== undefined && draft.filters.length === 0 ? (
            <Text size="xs" c="red">
              {fieldError(save.error, "filters")}
            </Text>
          ) : null}
          {draft.filters.map((filter, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: filters have no id; their position is what the API names.
            <Group key={index} gap="xs" align="flex-start" wrap="nowrap" data-testid={`filter-${index}`}>
              <TextInput
                aria-label={`Filter ${index + 1} property`}
                placeholder="storage_type"
                w={170}
                value={filter.property}
                onChange={(event) => setFilter(index, { property: event.currentTarget.value })}
                error={filterError(save.error, index, "property") ?? filterError(save.error, index, "operator")}
              />
              <Select
                aria-label={`Filter ${index + 1} operator`}
                w={110}
                allowDeselect={false}
                data={[
                  { value: "equals", label: "equals" },
                  { value: "in", label: "is one of" },
                ]}
                value={filter.operator}
                onChange={(value) => value !== null && setFilter(index, { operator: value as "equals" | "in" })}
              />
              <TextInput
                aria-label={`Filter ${index + 1} value`}
                placeholder={filter.operator === "in" ? "chilled, frozen" : "chilled"}
                style={{ flex: 1 }}
                value={filter.values}
                onChange={(event) => setFilter(index, { values: event.currentTarget.value })}
                error={filterError(save.error, index, filter.operator === "in" ? "values" : "value")}
              />
              <ActionIcon
                variant="subtle"
                color="gray"
                mt={6}
                aria-label={`Remove filter ${index + 1}`}
                onClick={() => setDraft({ ...draft, filters: draft.filters.filter((_, at) => at !== index) })}
              >
                ×
              </ActionIcon>
            </Group>
          ))}
        </Stack>
        <Textarea
          label="Description"
          autosize
          minRows={2}
          value={draft.description}
          onChange={set("description")}
          error={error("description")}
        />
        {creating ? (
          <Text size="xs" c="dimmed">
            The events already stored are counted when the meter is created.
          </Text>
        ) : (
          <TextInput
            type="datetime-local"
            label="Rebuild values from (UTC)"
            description="A change to what the meter measures rebuilds its values from here on; empty: from the first stored event. Finalized invoices keep their figures."
            value={draft.reproject_from}
            onChange={set("reproject_from")}
            error={error("reproject_from")}
          />
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onClose}>
            Cancel
          </Button>
          <Button loading={save.isPending} onClick={() => save.mutate()}>
            {creating ? "Create meter" : "Save meter"}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
