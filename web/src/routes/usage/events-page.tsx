import { Badge, Code, Drawer, Paper, Select, SimpleGrid, Stack, Table, Tabs, Text, TextInput } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { useState } from "react";
import { api } from "../../api.js";
import { utcInstant, utcLocal } from "../../billing.js";
import { CustomerLink } from "../../components/billing-ui.js";
import { FilterForm } from "../../components/filtered-table.js";
import { ForwardPager } from "../../components/pager.js";
import { ErrorAlert, Id, Labeled, MessageRow, PageHeader } from "../../components/ui.js";
import { formatInstant } from "../../format.js";
import { type EventPage, isRatingStatus, RATING_STATUSES, type UsageEvent } from "../../usage.js";
import { RATING_STATUS_LABELS, RatingCell, RatingDetail } from "./rating-status.js";
import { RejectionsPanel } from "./rejections-panel.js";

/**
 * The events explorer: what customers' systems sent, newest first by the
 * time it happened, filtered by customer, type, time and rating status, with
 * each event's charges or the charge script's error; and the events that
 * were refused, to fix and retry.
 */

const route = getRouteApi("/signed-in/usage/events");
const PAGE_SIZE = 50;
const COLUMNS = 7;

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
  rating_status: string;
}

const STATUS_OPTIONS = RATING_STATUSES.map((status) => ({ value: status, label: RATING_STATUS_LABELS[status] }));

function EventsPanel() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const [draft, setDraft] = useState<Filters>({
    customer: search.customer ?? "",
    type: search.type ?? "",
    from: search.from === undefined ? "" : utcLocal(search.from),
    to: search.to === undefined ? "" : utcLocal(search.to),
    rating_status: search.rating_status ?? "",
  });
  // The API pages forward only (older events); the cursors already passed are kept to walk back.
  const [cursors, setCursors] = useState<string[]>([]);
  const [open, setOpen] = useState<UsageEvent | null>(null);
  const cursor = cursors.at(-1);
  const query = {
    customer: search.customer,
    type: search.type,
    from: search.from,
    to: search.to,
    rating_status: search.rating_status,
  };
  const events = useQuery({
    queryKey: ["usage_events", query, cursor],
    queryFn: () => api.get<EventPage>("/v1/events", { ...query, cursor, limit: PAGE_SIZE }),
  });
  const rows = events.data?.data ?? [];
  const set = (key: keyof Filters) => (event: { currentTarget: { value: string } }) =>
    setDraft({ ...draft, [key]: event.currentTarget.value });
  const apply = () => {
    setCursors([]);
    void navigate({
      search: {
        customer: draft.customer.trim() || undefined,
        type: draft.type.trim() || undefined,
        from: utcInstant(draft.from) ?? undefined,
        to: utcInstant(draft.to) ?? undefined,
        rating_status: isRatingStatus(draft.rating_status) ? draft.rating_status : undefined,
      },
    });
  };
  const clear = () => {
    setDraft({ customer: "", type: "", from: "", to: "", rating_status: "" });
    setCursors([]);
    void navigate({ search: {} });
  };

  return (
    <>
      <FilterForm onApply={apply} onClear={clear}>
        <TextInput
          label="Customer"
          placeholder="cus_… or external id"
          w={200}
          value={draft.customer}
          onChange={set("customer")}
        />
        <TextInput label="Type" placeholder="order.shipped" w={160} value={draft.type} onChange={set("type")} />
        <TextInput type="datetime-local" label="From (UTC)" value={draft.from} onChange={set("from")} />
        <TextInput type="datetime-local" label="Before (UTC)" value={draft.to} onChange={set("to")} />
        <Select
          label="Rating status"
          placeholder="Any"
          w={140}
          data={STATUS_OPTIONS}
          value={draft.rating_status === "" ? null : draft.rating_status}
          onChange={(value) => setDraft({ ...draft, rating_status: value ?? "" })}
          clearable
        />
      </FilterForm>
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
              <Table.Th>Rating</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {events.isPending ? <MessageRow columns={COLUMNS}>Loading…</MessageRow> : null}
            {events.data !== undefined && rows.length === 0 ? (
              <MessageRow columns={COLUMNS}>
                {events.data.next_cursor === null
                  ? "No events match these filters."
                  : "None with this rating status among the events read so far: Older → reads further back."}
              </MessageRow>
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
                <Table.Td maw={300}>
                  <Text size="xs" className="mono" lineClamp={1} c="dimmed">
                    {JSON.stringify(event.properties)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Badge size="sm" variant="light" color="gray">
                    {event.source}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <RatingCell event={event} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      <ForwardPager
        summary={rows.length === 0 ? "" : `${rows.length} events on this page, newest first`}
        cursors={cursors}
        next={events.data?.next_cursor}
        onCursors={setCursors}
        labels={["← Newer", "Older →"]}
      />
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
            <Labeled label="Event">
              <Id value={event.id} />
            </Labeled>
            <Labeled label="Transaction id">
              <Text size="sm" className="mono">
                {event.transaction_id}
              </Text>
            </Labeled>
            <Labeled label="Customer">
              <CustomerLink id={event.customer} />
            </Labeled>
            <Labeled label="Source">
              <Text size="sm">{event.source}</Text>
            </Labeled>
            <Labeled label="Happened">
              <Text size="sm">{formatInstant(event.timestamp)}</Text>
            </Labeled>
            <Labeled label="Received">
              <Text size="sm">{formatInstant(event.received_at)}</Text>
            </Labeled>
          </SimpleGrid>
          <RatingDetail event={event} />
          <Labeled label="Properties" gap={4}>
            <Code block data-testid="event-properties">
              {JSON.stringify(event.properties, null, 2)}
            </Code>
          </Labeled>
        </Stack>
      )}
    </Drawer>
  );
}
