import { Group, Paper, SegmentedControl, Table, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { api, type List } from "../../api.js";
import { CustomerLink } from "../../components/billing-ui.js";
import { Pager } from "../../components/pager.js";
import { ErrorAlert, MessageRow, PageHeader, StatusBadge } from "../../components/ui.js";
import { formatInstant } from "../../format.js";
import type { Subscription } from "../../subscriptions.js";

const route = getRouteApi("/signed-in/subscriptions");
const STATUSES = ["all", "trialing", "active", "paused", "scheduled", "canceled"] as const;

export function SubscriptionsPage() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const subscriptions = useQuery({
    queryKey: ["subscriptions", search],
    queryFn: () => api.get<List<Subscription>>("/v1/subscriptions", { ...search, limit: 25 }),
  });
  const rows = subscriptions.data?.data ?? [];
  return (
    <>
      <PageHeader
        title="Subscriptions"
        description="Every subscription, newest first. New subscriptions are started from the customer's page."
      />
      <Group mb="md">
        <SegmentedControl
          data={STATUSES.map((status) => ({ value: status, label: status === "all" ? "All" : status }))}
          value={search.status ?? "all"}
          onChange={(status) => void navigate({ search: status === "all" ? {} : { status } })}
        />
      </Group>
      <ErrorAlert error={subscriptions.error} title="The subscriptions could not be loaded" />
      <Paper withBorder radius="sm">
        <Table striped highlightOnHover>
          <Table.Thead className="table-head">
            <Table.Tr>
              <Table.Th>Customer</Table.Th>
              <Table.Th>Items</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Current period</Table.Th>
              <Table.Th>Started</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {subscriptions.isPending ? <MessageRow columns={5}>Loading…</MessageRow> : null}
            {subscriptions.data !== undefined && rows.length === 0 ? (
              <MessageRow columns={5}>No subscriptions match.</MessageRow>
            ) : null}
            {rows.map((subscription) => (
              <Table.Tr
                key={subscription.id}
                className="clickable-row"
                onClick={() => void navigate({ to: "/subscriptions/$id", params: { id: subscription.id } })}
              >
                <Table.Td onClick={(event) => event.stopPropagation()}>
                  <CustomerLink id={subscription.customer} />
                </Table.Td>
                <Table.Td>
                  {subscription.items.map((item) => (
                    <Text key={item.id} size="sm">
                      {item.quantity} × {item.description}
                    </Text>
                  ))}
                </Table.Td>
                <Table.Td>
                  <StatusBadge status={subscription.status} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm">
                    {subscription.current_period === null
                      ? "—"
                      : `${formatInstant(subscription.current_period.start)} → ${formatInstant(subscription.current_period.end)}`}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{formatInstant(subscription.start_at)}</Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      <Pager
        cursor={search}
        rows={rows}
        hasMore={subscriptions.data?.has_more ?? false}
        noun={["subscription", "subscriptions"]}
        onPage={(cursor) =>
          void navigate({
            search: (prev) => ({ ...prev, starting_after: undefined, ending_before: undefined, ...cursor }),
          })
        }
      />
    </>
  );
}
