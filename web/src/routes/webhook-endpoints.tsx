import { Badge, Button, Group, Paper, Table, TagsInput, Text, TextInput } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { useState } from "react";
import { api, type List, type WebhookEndpoint } from "../api.js";
import { SecretOnceModal } from "../components/secret.js";
import { ErrorAlert, fieldError, MessageRow, PageHeader, StatusBadge } from "../components/ui.js";
import { formatInstant } from "../format.js";
import { DeliveriesDrawer } from "./webhook-deliveries.js";

const route = getRouteApi("/signed-in/developers/webhooks");

/** Event types offered as suggestions; any type the API knows may be typed, "*" means all. */
const EVENT_SUGGESTIONS = ["*", "ledger.entry_posted", "ledger.period_closed", "ledger.period_reopened"];

export function WebhookEndpointsPage() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const [creating, setCreating] = useState(false);
  const endpoints = useQuery({
    queryKey: ["webhook_endpoints"],
    queryFn: () => api.get<List<WebhookEndpoint>>("/v1/webhook_endpoints", { limit: 100 }),
  });
  const rows = endpoints.data?.data ?? [];
  const opened = rows.find((row) => row.id === search.endpoint);

  return (
    <>
      <PageHeader
        title="Webhook endpoints"
        description="Accrue posts signed events to these URLs, retrying with backoff for three days. Open an endpoint for its delivery log."
        actions={<Button onClick={() => setCreating(true)}>Add endpoint</Button>}
      />
      <ErrorAlert error={endpoints.error} title="The endpoints could not be loaded" />
      <Paper withBorder radius="sm">
        <Table striped highlightOnHover>
          <Table.Thead className="table-head">
            <Table.Tr>
              <Table.Th>URL</Table.Th>
              <Table.Th>Events</Table.Th>
              <Table.Th>Description</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Created</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {endpoints.isPending ? <MessageRow columns={5}>Loading…</MessageRow> : null}
            {endpoints.data !== undefined && rows.length === 0 ? (
              <MessageRow columns={5}>No webhook endpoints yet.</MessageRow>
            ) : null}
            {rows.map((endpoint) => (
              <Table.Tr
                key={endpoint.id}
                className="clickable-row"
                onClick={() => void navigate({ search: { endpoint: endpoint.id } })}
              >
                <Table.Td className="mono" maw={360} style={{ wordBreak: "break-all" }}>
                  {endpoint.url}
                </Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {endpoint.enabled_events.map((type) => (
                      <Badge key={type} size="xs" variant="outline" color="gray" tt="none">
                        {type === "*" ? "all events" : type}
                      </Badge>
                    ))}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c={endpoint.description ? undefined : "dimmed"}>
                    {endpoint.description || "—"}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <StatusBadge status={endpoint.status} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{formatInstant(endpoint.created_at)}</Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      <CreateEndpointModal opened={creating} onClose={() => setCreating(false)} />
      <DeliveriesDrawer endpoint={opened} onClose={() => void navigate({ search: {} })} />
    </>
  );
}

function CreateEndpointModal(props: { opened: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<string[]>(["*"]);
  const [description, setDescription] = useState("");
  const create = useMutation({
    mutationFn: () =>
      api.post<WebhookEndpoint & { secret: string }>("/v1/webhook_endpoints", {
        url: url.trim(),
        enabled_events: events,
        ...(description.trim() === "" ? {} : { description: description.trim() }),
      }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["webhook_endpoints"] }),
  });
  const close = () => {
    create.reset();
    setUrl("");
    setEvents(["*"]);
    setDescription("");
    props.onClose();
  };
  return (
    <SecretOnceModal
      opened={props.opened}
      onClose={close}
      title="Add a webhook endpoint"
      createdTitle="Endpoint added"
      created={create.data}
      error={create.error}
      errorTitle="The endpoint was not added"
      submitLabel="Add endpoint"
      submitting={create.isPending}
      onSubmit={() => create.mutate()}
      what="signing secret"
      intro={(created) => (
        <>
          Events will be posted to{" "}
          <Text span className="mono">
            {created.url}
          </Text>
          . Verify each request's <span className="mono">Accrue-Signature</span> header with this signing secret.
        </>
      )}
    >
      <TextInput
        label="URL"
        placeholder="https://example.com/webhooks/accrue"
        value={url}
        onChange={(event) => setUrl(event.currentTarget.value)}
        error={fieldError(create.error, "url")}
        data-autofocus
      />
      <TagsInput
        label="Events"
        description="Event types to send; “*” sends every event. Press Enter after each."
        data={EVENT_SUGGESTIONS}
        value={events}
        onChange={setEvents}
        error={fieldError(create.error, "enabled_events")}
      />
      <TextInput
        label="Description"
        placeholder="What receives these events"
        value={description}
        onChange={(event) => setDescription(event.currentTarget.value)}
        error={fieldError(create.error, "description")}
      />
    </SecretOnceModal>
  );
}
