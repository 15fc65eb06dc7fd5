import { Group, Stack, Table, Text } from "@mantine/core";
import { useState } from "react";
import { AppLink } from "../../components/billing-ui.js";
import { ErrorAlert, MessageRow } from "../../components/ui.js";
import { humanize } from "../../format.js";
import { formatQuantity, groupLabel, periodLabel } from "../../usage.js";
import { type UsageCustomer, UsageHistory, useCurrentUsage } from "./usage-history.js";

/** The customer page's Usage tab: every active meter this period so far; a meter's history under it. */

const SOURCES: Record<string, string> = {
  subscription_period: "the current period of the subscription",
  calendar_month: "the calendar month (no running subscription)",
  range: "the range asked for",
};

export function CustomerUsageTab(props: { customer: UsageCustomer }) {
  const current = useCurrentUsage(props.customer.id);
  const [chosen, setChosen] = useState<string | null>(null);
  const meters = current.data?.data ?? [];
  const meter = chosen ?? meters[0]?.code;
  const period = current.data?.period;
  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          {period === undefined
            ? "Usage this period, per meter."
            : `This period: ${periodLabel(period, props.customer.time_zone)}, ${SOURCES[period.source] ?? period.source}.`}{" "}
          Click a meter to see its history.
        </Text>
        <AppLink to={`/usage/events?customer=${encodeURIComponent(props.customer.id)}`}>See the events</AppLink>
      </Group>
      <ErrorAlert error={current.error} title="The usage could not be loaded" />
      <Table striped highlightOnHover data-testid="usage-this-period">
        <Table.Thead className="table-head">
          <Table.Tr>
            <Table.Th>Meter</Table.Th>
            <Table.Th>Aggregation</Table.Th>
            <Table.Th>By group</Table.Th>
            <Table.Th ta="right">This period so far</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {current.isPending ? <MessageRow columns={4}>Loading…</MessageRow> : null}
          {current.data !== undefined && meters.length === 0 ? (
            <MessageRow columns={4}>No active meter yet: define one under Usage → Meters.</MessageRow>
          ) : null}
          {meters.map((usage) => (
            <Table.Tr
              key={usage.meter}
              className="clickable-row"
              bg={usage.code === meter ? "indigo.0" : undefined}
              onClick={() => setChosen(usage.code)}
            >
              <Table.Td>
                <Text size="sm" fw={500}>
                  {usage.name}
                </Text>
                <Text size="xs" c="dimmed" className="mono">
                  {usage.code}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{humanize(usage.aggregation)}</Text>
              </Table.Td>
              <Table.Td>
                {usage.groups.map((group) => (
                  <Text key={groupLabel(group.group)} size="xs">
                    {groupLabel(group.group)}: <span className="amount">{formatQuantity(group.quantity)}</span>
                  </Text>
                ))}
              </Table.Td>
              <Table.Td ta="right" className="amount" fw={600}>
                {formatQuantity(usage.quantity)}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {meter === undefined ? null : <UsageHistory customer={props.customer} meter={meter} />}
    </Stack>
  );
}
