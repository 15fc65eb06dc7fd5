import { Button, Drawer, Group, Paper, Stack, Table, Text, Tooltip } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type List, type WebhookAttempt, type WebhookDelivery, type WebhookEndpoint } from "../api.js";
import { ErrorAlert, Id, MessageRow, StatusBadge } from "../components/ui.js";
import { formatInstant } from "../format.js";

function lastAttempt(delivery: WebhookDelivery): WebhookAttempt | undefined {
  return delivery.attempts.reduce<WebhookAttempt | undefined>(
    (latest, attempt) => (latest === undefined || attempt.attempt > latest.attempt ? attempt : latest),
    undefined,
  );
}

/** An endpoint's delivery log, newest first, with a resend for any delivery. */
export function DeliveriesDrawer(props: { endpoint: WebhookEndpoint | undefined; onClose: () => void }) {
  const endpoint = props.endpoint;
  return (
    <Drawer
      opened={endpoint !== undefined}
      onClose={props.onClose}
      position="right"
      size="64rem"
      title={<Text fw={600}>Webhook deliveries</Text>}
    >
      {endpoint === undefined ? null : <Deliveries endpoint={endpoint} />}
    </Drawer>
  );
}

function Deliveries(props: { endpoint: WebhookEndpoint }) {
  const queryClient = useQueryClient();
  const queryKey = ["webhook_deliveries", props.endpoint.id];
  const deliveries = useQuery({
    queryKey,
    queryFn: () =>
      api.get<List<WebhookDelivery>>(`/v1/webhook_endpoints/${encodeURIComponent(props.endpoint.id)}/deliveries`, {
        limit: 100,
      }),
  });
  const resend = useMutation({
    mutationFn: (id: string) => api.post<WebhookDelivery>(`/v1/webhook_deliveries/${encodeURIComponent(id)}/resend`),
    onSuccess: async (delivery) => {
      notifications.show({
        color: delivery.state === "succeeded" ? "teal" : "orange",
        title: "Delivery resent",
        message: `The delivery is ${delivery.state}.`,
      });
      await queryClient.invalidateQueries({ queryKey });
    },
  });
  const ping = useMutation({
    mutationFn: () => api.post<WebhookDelivery>(`/v1/webhook_endpoints/${encodeURIComponent(props.endpoint.id)}/test`),
    onSuccess: async (delivery) => {
      notifications.show({
        color: delivery.state === "succeeded" ? "teal" : "orange",
        title: "Test event sent",
        message: `The ping delivery is ${delivery.state}.`,
      });
      await queryClient.invalidateQueries({ queryKey });
    },
  });
  const rows = deliveries.data?.data ?? [];
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Stack gap={0}>
          <Text className="mono" size="sm">
            {props.endpoint.url}
          </Text>
          <Id value={props.endpoint.id} />
        </Stack>
        <Group gap="xs">
          <Button size="xs" variant="light" onClick={() => ping.mutate()} loading={ping.isPending}>
            Send test event
          </Button>
          <Button size="xs" variant="default" onClick={() => void deliveries.refetch()} loading={deliveries.isFetching}>
            Refresh
          </Button>
        </Group>
      </Group>
      <ErrorAlert error={deliveries.error} title="The deliveries could not be loaded" />
      <ErrorAlert error={resend.error} title="The delivery was not resent" />
      <ErrorAlert error={ping.error} title="The test event was not sent" />
      <Paper withBorder radius="sm">
        <Table striped>
          <Table.Thead className="table-head">
            <Table.Tr>
              <Table.Th>Event</Table.Th>
              <Table.Th>State</Table.Th>
              <Table.Th ta="right">Attempts</Table.Th>
              <Table.Th ta="right">HTTP</Table.Th>
              <Table.Th ta="right">Time</Table.Th>
              <Table.Th>Response / error</Table.Th>
              <Table.Th>Next attempt</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {deliveries.isPending ? <MessageRow columns={8}>Loading…</MessageRow> : null}
            {deliveries.data !== undefined && rows.length === 0 ? (
              <MessageRow columns={8}>Nothing has been sent to this endpoint yet.</MessageRow>
            ) : null}
            {rows.map((delivery) => (
              <DeliveryRow
                key={delivery.id}
                delivery={delivery}
                resending={resend.isPending && resend.variables === delivery.id}
                onResend={() => resend.mutate(delivery.id)}
              />
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
    </Stack>
  );
}

function DeliveryRow(props: { delivery: WebhookDelivery; resending: boolean; onResend: () => void }) {
  const { delivery } = props;
  const last = lastAttempt(delivery);
  const detail = last?.error ?? last?.response_excerpt ?? null;
  return (
    <Table.Tr>
      <Table.Td>
        <Text size="sm" className="mono">
          {delivery.event_type}
        </Text>
        <Text size="xs" c="dimmed">
          {formatInstant(delivery.created_at)}
        </Text>
      </Table.Td>
      <Table.Td>
        <StatusBadge status={delivery.state} />
      </Table.Td>
      <Table.Td ta="right" className="amount">
        {delivery.attempt_count}
      </Table.Td>
      <Table.Td ta="right" className="amount">
        {last?.status_code ?? "—"}
      </Table.Td>
      <Table.Td ta="right" className="amount">
        {last === undefined ? "—" : `${last.duration_ms} ms`}
      </Table.Td>
      <Table.Td maw={280}>
        <Tooltip label={detail ?? ""} disabled={detail === null || detail === ""} multiline w={400}>
          <Text size="xs" className="mono" truncate c={last?.error ? "red.8" : "dimmed"}>
            {detail === null || detail === "" ? "—" : detail}
          </Text>
        </Tooltip>
      </Table.Td>
      <Table.Td>
        <Text size="xs">{formatInstant(delivery.next_attempt_at)}</Text>
      </Table.Td>
      <Table.Td>
        <Button size="compact-xs" variant="light" loading={props.resending} onClick={props.onResend}>
          Resend
        </Button>
      </Table.Td>
    </Table.Tr>
  );
}
