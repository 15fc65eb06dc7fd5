import { Button, Card, Group, Modal, Paper, Radio, Select, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { type ReactNode, useState } from "react";
import { api, type List } from "../../api.js";
import { CustomerLink } from "../../components/billing-ui.js";
import { ErrorAlert, Id, MessageRow, PageHeader, StatusBadge } from "../../components/ui.js";
import { formatInstant, humanize } from "../../format.js";
import {
  PRORATION_BEHAVIORS,
  type ProrationBehavior,
  type Subscription,
  type SubscriptionChange,
  subscriptionPath,
} from "../../subscriptions.js";
import { ChangeSubscriptionModal } from "./change-dialog.js";

const route = getRouteApi("/signed-in/subscriptions/$id");

function Field(props: { label: string; children: ReactNode }) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed" tt="uppercase">
        {props.label}
      </Text>
      <Text size="sm" component="div">
        {props.children}
      </Text>
    </Stack>
  );
}

export function SubscriptionPage() {
  const { id } = route.useParams();
  const queryClient = useQueryClient();
  const [changing, setChanging] = useState(false);
  const [canceling, setCanceling] = useState(false);
  const subscription = useQuery({
    queryKey: ["subscription", id],
    queryFn: () => api.get<Subscription>(subscriptionPath(id)),
  });
  const changes = useQuery({
    queryKey: ["subscription_changes", id],
    queryFn: () => api.get<List<SubscriptionChange>>(`${subscriptionPath(id)}/changes`, { limit: 50 }),
  });
  const pause = useMutation({
    mutationFn: (action: "pause" | "resume") => api.post<Subscription>(`${subscriptionPath(id)}/${action}`),
    onSuccess: (updated) => {
      queryClient.setQueryData(["subscription", id], updated);
      void queryClient.invalidateQueries({ queryKey: ["subscriptions"] });
      notifications.show({ color: "teal", message: updated.paused ? "Billing paused." : "Billing resumed." });
    },
    onError: (error) => notifications.show({ color: "red", title: "Not changed", message: error.message }),
  });
  if (subscription.data === undefined)
    return subscription.error === null ? (
      <Text c="dimmed">Loading…</Text>
    ) : (
      <ErrorAlert error={subscription.error} title="The subscription could not be loaded" />
    );
  const sub = subscription.data;
  const ended = sub.status === "canceled";
  return (
    <>
      <PageHeader
        title="Subscription"
        description={<Id value={sub.id} />}
        actions={
          <>
            <Button onClick={() => setChanging(true)} disabled={ended}>
              Change
            </Button>
            <Button
              variant="default"
              disabled={ended}
              loading={pause.isPending}
              onClick={() => pause.mutate(sub.paused ? "resume" : "pause")}
            >
              {sub.paused ? "Resume" : "Pause"}
            </Button>
            <Button variant="default" color="red" disabled={ended} onClick={() => setCanceling(true)}>
              Cancel…
            </Button>
          </>
        }
      />
      <Paper withBorder radius="sm" p="md" mb="md">
        <SimpleGrid cols={{ base: 2, md: 4 }} spacing="md" verticalSpacing="sm">
          <Field label="Customer">
            <CustomerLink id={sub.customer} />
          </Field>
          <Field label="Status">
            <Group gap={4}>
              <StatusBadge status={sub.status} />
              {sub.paused ? <StatusBadge status="paused" /> : null}
            </Group>
          </Field>
          <Field label="Billing">
            {sub.interval.count === 1
              ? `Every ${sub.interval.unit}`
              : `Every ${sub.interval.count} ${sub.interval.unit}s`}
            , {humanize(sub.billing_timing).toLowerCase()} · {sub.currency}
          </Field>
          <Field label="Current period">
            <span data-testid="current-period">
              {sub.current_period === null
                ? "—"
                : `${formatInstant(sub.current_period.start)} → ${formatInstant(sub.current_period.end)}`}
            </span>
          </Field>
          <Field label="Started">{formatInstant(sub.start_at)}</Field>
          <Field label="Trial ends">{formatInstant(sub.trial_end)}</Field>
          <Field label="Anchor">
            {sub.billing_anchor.kind === "anniversary" ? "Anniversary" : `Day ${sub.billing_anchor.day} of the month`} (
            {sub.time_zone})
          </Field>
          <Field label="Term">
            {sub.term_periods === null
              ? "Open-ended"
              : `${sub.term_periods} periods to ${formatInstant(sub.current_term_end)}${sub.auto_renew ? ", renews" : ""}`}
          </Field>
          {sub.canceled_at === null ? null : <Field label="Canceled">{formatInstant(sub.canceled_at)}</Field>}
          {sub.ended_at === null ? null : <Field label="Ends">{formatInstant(sub.ended_at)}</Field>}
        </SimpleGrid>
      </Paper>
      <Title order={3} mb="xs">
        Items
      </Title>
      <Paper withBorder radius="sm" mb="md">
        <Table data-testid="subscription-items">
          <Table.Thead className="table-head">
            <Table.Tr>
              <Table.Th>Description</Table.Th>
              <Table.Th>Price</Table.Th>
              <Table.Th ta="right">Quantity</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {sub.items.map((item) => (
              <Table.Tr key={item.id}>
                <Table.Td>
                  <Text size="sm">{item.description}</Text>
                  {item.metered ? (
                    <Text size="xs" c="dimmed">
                      Metered: quantity from usage
                    </Text>
                  ) : null}
                </Table.Td>
                <Table.Td className="mono">{item.price}</Table.Td>
                <Table.Td ta="right" className="mono" data-testid="item-quantity">
                  {item.quantity}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      {sub.phases.length <= 1 ? null : (
        <>
          <Title order={3} mb="xs">
            Phases
          </Title>
          <Stack gap="xs" mb="md">
            {sub.phases.map((phase) => (
              <Card key={phase.id} withBorder padding="sm">
                <Text size="sm" fw={600}>
                  From {formatInstant(phase.starts_at)}
                </Text>
                <Text size="sm">{phase.items.map((item) => `${item.quantity} × ${item.description}`).join(", ")}</Text>
              </Card>
            ))}
          </Stack>
        </>
      )}
      <Title order={3} mb="xs">
        Changes
      </Title>
      <Paper withBorder radius="sm">
        <ErrorAlert error={changes.error} title="The changes could not be loaded" />
        <Table striped>
          <Table.Thead className="table-head">
            <Table.Tr>
              <Table.Th>Effective</Table.Th>
              <Table.Th>Kind</Table.Th>
              <Table.Th>Proration</Table.Th>
              <Table.Th>Recorded</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {changes.data?.data.length === 0 ? <MessageRow columns={4}>No changes since it started.</MessageRow> : null}
            {(changes.data?.data ?? []).map((change) => (
              <Table.Tr key={change.id}>
                <Table.Td>
                  <Text size="sm">{formatInstant(change.effective_at)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{humanize(change.kind)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{humanize(change.proration_behavior)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{formatInstant(change.created_at)}</Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      <ChangeSubscriptionModal subscription={sub} opened={changing} onClose={() => setChanging(false)} />
      <CancelModal subscription={sub} opened={canceling} onClose={() => setCanceling(false)} />
    </>
  );
}

function CancelModal(props: { subscription: Subscription; opened: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [when, setWhen] = useState<"now" | "period_end">("period_end");
  const [behavior, setBehavior] = useState<ProrationBehavior>("create_prorations");
  const cancel = useMutation({
    mutationFn: () =>
      api.post<Subscription>(
        `${subscriptionPath(props.subscription.id)}/cancel`,
        when === "period_end" ? { at_period_end: true } : { at_period_end: false, proration_behavior: behavior },
      ),
    onSuccess: (updated) => {
      queryClient.setQueryData(["subscription", updated.id], updated);
      void queryClient.invalidateQueries({ queryKey: ["subscriptions"] });
      void queryClient.invalidateQueries({ queryKey: ["subscription_changes", updated.id] });
      notifications.show({ color: "teal", message: "The subscription was canceled." });
      close();
    },
  });
  const close = () => {
    cancel.reset();
    props.onClose();
  };
  const period = props.subscription.current_period;
  return (
    <Modal opened={props.opened} onClose={close} title="Cancel subscription">
      <Stack gap="sm">
        <ErrorAlert error={cancel.error} title="The subscription was not canceled" />
        <Radio.Group value={when} onChange={(value) => setWhen(value as "now" | "period_end")}>
          <Stack gap="xs">
            <Radio
              value="period_end"
              label={`At the end of the current period${period === null ? "" : ` (${formatInstant(period.end)})`}`}
            />
            <Radio value="now" label="Now" />
          </Stack>
        </Radio.Group>
        {when === "now" ? (
          <Select
            label="Unused time"
            data={PRORATION_BEHAVIORS.map((value) => ({ value, label: humanize(value) }))}
            value={behavior}
            allowDeselect={false}
            onChange={(value) => value !== null && setBehavior(value as ProrationBehavior)}
            description="None cancels without a credit for the rest of the period"
          />
        ) : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Keep it
          </Button>
          <Button color="red" loading={cancel.isPending} onClick={() => cancel.mutate()}>
            Cancel subscription
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
