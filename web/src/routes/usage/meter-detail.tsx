import { Badge, Button, Code, Group, Paper, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { type ReactNode, useState } from "react";
import { api } from "../../api.js";
import { AppLink } from "../../components/billing-ui.js";
import { ErrorAlert, Id, PageHeader, StatusBadge } from "../../components/ui.js";
import { type Customer, customerPath } from "../../customers.js";
import { formatInstant, humanize } from "../../format.js";
import { type Meter, meterPath } from "../../usage.js";
import { CustomerSelect } from "../invoices/customer-select.js";
import { describeFilter, MeterFormModal } from "./meter-form.js";
import { UsageHistory } from "./usage-history.js";

const route = getRouteApi("/signed-in/usage/meters/$id");

export function MeterDetailPage() {
  const { id } = route.useParams();
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const [editing, setEditing] = useState(false);
  const meter = useQuery({ queryKey: ["meter", id], queryFn: () => api.get<Meter>(meterPath(id)) });
  if (meter.data === undefined)
    return meter.error === null ? (
      <Text c="dimmed">Loading…</Text>
    ) : (
      <ErrorAlert error={meter.error} title="The meter could not be loaded" />
    );
  const current = meter.data;
  return (
    <>
      <PageHeader
        title={current.name}
        description={
          <Group gap="xs" component="span">
            <Id value={current.id} />
            <span>· code {current.code}</span>
            <span>· version {current.version}</span>
          </Group>
        }
        actions={
          current.status === "active" ? (
            <>
              <Button variant="default" onClick={() => setEditing(true)}>
                Edit
              </Button>
              <ArchiveButton meter={current} />
            </>
          ) : undefined
        }
      />
      <Stack gap="md">
        <Definition meter={current} />
        <Paper withBorder radius="sm" p="md">
          <Title order={3} size="h4" mb="xs">
            Usage by customer
          </Title>
          <CustomerSelect
            value={search.customer ?? null}
            onChange={(customer) => void navigate({ search: customer === null ? {} : { customer } })}
            label="Customer"
            mb="sm"
          />
          {search.customer === undefined ? (
            <Text size="sm" c="dimmed">
              Choose a customer to see this meter's quantity this period and in the periods before.
            </Text>
          ) : (
            <CustomerHistory customer={search.customer} meter={current.code} />
          )}
        </Paper>
      </Stack>
      {editing ? <MeterFormModal meter={current} onClose={() => setEditing(false)} /> : null}
    </>
  );
}

function CustomerHistory(props: { customer: string; meter: string }) {
  const customer = useQuery({
    queryKey: ["customer", props.customer],
    queryFn: () => api.get<Customer>(customerPath(props.customer)),
  });
  if (customer.data === undefined) return <ErrorAlert error={customer.error} />;
  return <UsageHistory customer={customer.data} meter={props.meter} />;
}

function Definition(props: { meter: Meter }) {
  const meter = props.meter;
  return (
    <Paper withBorder radius="sm" p="md" data-testid="meter-definition">
      <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="md">
        <Item label="Event type">
          <Code>{meter.event_type}</Code>
        </Item>
        <Item label="Aggregation">
          <Text size="sm">
            {humanize(meter.aggregation)}
            {meter.value_property === null ? "" : ` of ${meter.value_property}`}
          </Text>
        </Item>
        <Item label="Status">
          <StatusBadge status={meter.status} />
        </Item>
        <Item label="Filters">
          {meter.filters.length === 0 ? (
            <Text size="sm" c="dimmed">
              None: every {meter.event_type} event counts
            </Text>
          ) : (
            meter.filters.map((filter) => (
              <Text key={filter.property} size="sm" className="mono">
                {describeFilter(filter)}
              </Text>
            ))
          )}
        </Item>
        <Item label="Grouped by">
          {meter.group_by.length === 0 ? (
            <Text size="sm" c="dimmed">
              Not grouped
            </Text>
          ) : (
            <Group gap={4}>
              {meter.group_by.map((property) => (
                <Badge key={property} variant="light" size="sm">
                  {property}
                </Badge>
              ))}
            </Group>
          )}
        </Item>
        <Item label="Changed">
          <Text size="sm">{formatInstant(meter.updated_at)}</Text>
          <AppLink to={`/audit-log?object_id=${encodeURIComponent(meter.id)}`} size="xs">
            History in the audit log
          </AppLink>
        </Item>
      </SimpleGrid>
      {meter.description === null ? null : (
        <Text size="sm" mt="md">
          {meter.description}
        </Text>
      )}
    </Paper>
  );
}

function Item(props: { label: string; children: ReactNode }) {
  return (
    <Stack gap={2}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {props.label}
      </Text>
      {props.children}
    </Stack>
  );
}

function ArchiveButton(props: { meter: Meter }) {
  const queryClient = useQueryClient();
  const archive = useMutation({
    mutationFn: () => api.post<Meter>(`${meterPath(props.meter.id)}/archive`),
    onSuccess: async (meter) => {
      queryClient.setQueryData(["meter", meter.id], meter);
      await queryClient.invalidateQueries({ queryKey: ["meters"] });
      notifications.show({ color: "teal", message: "Meter archived: it no longer counts new events." });
    },
    onError: (error) => notifications.show({ color: "red", title: "Not archived", message: error.message }),
  });
  return (
    <Button variant="default" color="gray" loading={archive.isPending} onClick={() => archive.mutate()}>
      Archive
    </Button>
  );
}
