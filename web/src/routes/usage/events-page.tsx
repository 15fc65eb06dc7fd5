import {
  Badge,
  Button,
  Code,
  Drawer,
  Group,
  Paper,
  SimpleGrid,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
} from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { type FormEvent, type ReactNode, useState } from "react";
import { api } from "../../api.js";
import { utcInstant, utcLocal } from "../../billing.js";
import { CustomerLink } from "../../components/billing-ui.js";
import { ErrorAlert, Id, MessageRow, PageHeader } from "../../components/ui.js";
import { formatInstant } from "../../format.js";
import type { EventPage, UsageEvent } from "../../usage.js";
import { RejectionsPanel } from "./rejections-panel.js";

/**
 * The events explorer: what customers' systems sent, newest first by the
 * time it happened, filtered by customer, type and time; and the events that
 * were refused, to fix and retry. Rating status joins the table once events
 * are rated; until then only what is stored is shown.
 */

const route = getRouteApi("/signed-in/usage/events");
const PAGE_SIZE = 50;
const COLUMNS = 6;

export function EventsPage() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const tab = search.tab ?? "events";
  return (
    <>
      <PageHeader
        title="Usage events"
        description="Activity your customers' systems reported, as stored: one row per event, deduplicated on customer and transaction id."
      />
      <Tabs
        value={tab}
        onChange={(next) => void navigate({ search: next === "rejections" ? { tab: next } : {} })}
        keepMounted={false}
      >
        <Tabs.List mb="md">
          <Tabs.Tab value="events">Events</Tabs.Tab>
          <Tabs.Tab value="rejections">Rejected</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="events">
          <EventsPanel />
        </Tabs.Panel>
        <Tabs.Panel value="rejections">
          <RejectionsPanel />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}

interface Filters {
  customer: string;
  type: string;
  from: string;
  to: string;
}

function EventsPanel() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const [draft, setDraft] = useState<Filters>({
    customer: search.customer ?? "",
    type: search.type ?? "",
    from: search.from === undefined ? "" : utcLocal(search.from),
    to: search.to === undefined ? "" : utcLocal(search.to),
  });
  // The API pages forward only (older events); the cursors already passed are kept to walk back.
  const [cursors, setCursors] = useState<string[]>([]);
  const [open, setOpen] = useState<UsageEvent | null>(null);
  const cursor = cursors.at(-1);
  const query = { customer: search.customer, type: search.type, from: search.from, to: search.to };
  const events = useQuery({
    queryKey: ["usage_events", query, cursor],
    queryFn: () => api.get<EventPage>("/v1/events", { ...query, cursor, limit: PAGE_SIZE }),
  });
  const rows = events.data?.data ?? [];
  const set = (key: keyof Filters) => (event: { currentTarget: { value: string } }) =>
    setDraft({ ...draft, [key]: event.currentTarget.value });
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setCursors([]);
    void navigate({
      search: {
        customer: draft.customer.trim() || undefined,
        type: draft.type.trim() || undefined,
        from: utcInstant(draft.from) ?? undefined,
        to: utcInstant(draft.to) ?? undefined,
      },
    });
  };
  const clear = () => {
    setDraft({ customer: "", type: "", from: "", to: "" });
    setCursors([]);
    void navigate({ search: {} });
  };

  return (
    <>
      <form onSubmit={apply}>
        <Group gap="sm" mb="md" align="flex-end">
          <TextInput
            label="Customer"
            placeholder="cus_… or external id"
            w={220}
            value={draft.customer}
            onChange={set("customer")}
          />
          <TextInput label="Type" placeholder="order.shipped" w={180} value={draft.type} onChange={set("type")} />
          <TextInput type="datetime-local" label="From (UTC)" value={draft.from} onChange={set("from")} />
          <TextInput type="datetime-local" label="Before (UTC)" value={draft.to} onChange={set("to")} />
          <Button type="submit">Apply</Button>
          <Button variant="subtle" color="gray" onClick={clear}>
            Clear
          </Button>
        </Group>
      </form>
      <ErrorAlert error={events.error} title="The events could not be loaded" />
      <Paper withBorder radius="sm">
        <Table striped highlightOnHover data-testid="events-table">
          <Table.Thead className="table-head">
            <Table.Tr>
              <Table.Th>Happened</Table.Th>
              <Table.Th>Type</Table.Th>
              <Table.Th>Customer</Table.Th>
              <Table.Th>Transaction id</Table.Th>
              <Table.Th>Properties</Table.Th>
              <Table.Th>Source</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {events.isPending ? <MessageRow columns={COLUMNS}>Loading…</MessageRow> : null}
            {events.data !== undefined && rows.length === 0 ? (
              <MessageRow columns={COLUMNS}>No events match these filters.</MessageRow>
            ) : null}
            {rows.map((event) => (
              <Table.Tr
                key={event.id}
                className="clickable-row"
                onClick={(click) => {
                  if ((click.target as HTMLElement).closest("a") === null) setOpen(event);
                }}
              >
                <Table.Td>
                  <Text size="sm">{formatInstant(event.timestamp)}</Text>
                </Table.Td>
                <Table.Td className="mono">{event.type}</Table.Td>
                <Table.Td>
                  <CustomerLink id={event.customer} />
                </Table.Td>
                <Table.Td className="mono">{event.transaction_id}</Table.Td>
                <Table.Td maw={360}>
                  <Text size="xs" className="mono" lineClamp={1} c="dimmed">
                    {JSON.stringify(event.properties)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Badge size="sm" variant="light" color="gray">
                    {event.source}
                  </Badge>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      <Group justify="space-between" mt="xs">
        <Text size="xs" c="dimmed">
          {rows.length === 0 ? "" : `${rows.length} events on this page, newest first`}
        </Text>
        <Group gap="xs">
          <Button
            size="xs"
            variant="default"
            disabled={cursors.length === 0}
            onClick={() => setCursors(cursors.slice(0, -1))}
          >
            ← Newer
          </Button>
          <Button
            size="xs"
            variant="default"
            disabled={events.data?.next_cursor == null}
            onClick={() => {
              const next = events.data?.next_cursor;
              if (next !== null && next !== undefined) setCursors([...cursors, next]);
            }}
          >
            Older →
          </Button>
        </Group>
      </Group>
      <EventDrawer event={open} onClose={() => setOpen(null)} />
    </>
  );
}

function EventDrawer(props: { event: UsageEvent | null; onClose: () => void }) {
  const event = props.event;
  return (
    <Drawer
      opened={event !== null}
      onClose={props.onClose}
      position="right"
      size="lg"
      title={event === null ? "" : `Event ${event.type}`}
    >
      {event === null ? null : (
        <Stack gap="md" data-testid="event-drawer">
          <SimpleGrid cols={2} spacing="xs">
            <Field label="Event">
              <Id value={event.id} />
            </Field>
            <Field label="Transaction id">
              <Text size="sm" className="mono">
                {event.transaction_id}
              </Text>
            </Field>
            <Field label="Customer">
              <CustomerLink id={event.customer} />
            </Field>
            <Field label="Source">
              <Text size="sm">{event.source}</Text>
            </Field>
            <Field label="Happened">
              <Text size="sm">{formatInstant(event.timestamp)}</Text>
            </Field>
            <Field label="Received">
              <Text size="sm">{formatInstant(event.received_at)}</Text>
            </Field>
          </SimpleGrid>
          <Stack gap={4}>
            <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
              Properties
            </Text>
            <Code block data-testid="event-properties">
              {JSON.stringify(event.properties, null, 2)}
            </Code>
          </Stack>
        </Stack>
      )}
    </Drawer>
  );
}

function Field(props: { label: string; children: ReactNode }) {
  return (
    <Stack gap={2}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {props.label}
      </Text>
      {props.children}
    </Stack>
  );
}
