import { Alert, Button, Group, Modal, Paper, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { useState } from "react";
import { api, type List } from "../../api.js";
import { type CustomerSummary, formatUtc, type TestClock, utcInstant, utcLocal } from "../../billing.js";
import { BillingStatusBadge, CustomerLink } from "../../components/billing-ui.js";
import { ErrorAlert, fieldError, MessageRow, PageHeader } from "../../components/ui.js";

const route = getRouteApi("/signed-in/test-clocks/$id");

const SCAN_PAGES = 5;

/**
 * The clock's customers. Customers are not listed by clock, so the newest
 * few hundred are read and those on this clock kept, stopping once all the
 * clock's customers are found.
 */
async function customersOn(clock: TestClock): Promise<CustomerSummary[]> {
  const found: CustomerSummary[] = [];
  let after: string | undefined;
  for (let pageNo = 0; pageNo < SCAN_PAGES && found.length < clock.customer_count; pageNo += 1) {
    const page = await api.get<List<CustomerSummary>>("/v1/customers", { limit: 100, starting_after: after });
    found.push(...page.data.filter((customer) => customer.test_clock === clock.id));
    const last = page.data[page.data.length - 1];
    if (!page.has_more || last === undefined) break;
    after = last.id;
  }
  return found;
}

export function TestClockDetailPage() {
  const { id } = route.useParams();
  const [dialog, setDialog] = useState<"advance" | "delete" | null>(null);
  const path = `/v1/test_clocks/${encodeURIComponent(id)}`;
  const clock = useQuery({
    queryKey: ["test_clock", id],
    queryFn: () => api.get<TestClock>(path),
    // An advance runs in the background: look again until the clock is ready.
    refetchInterval: (query) => (query.state.data?.status === "advancing" ? 1000 : false),
  });
  const customers = useQuery({
    queryKey: ["customers", { test_clock: id, count: clock.data?.customer_count }],
    queryFn: () => customersOn(clock.data as TestClock),
    enabled: clock.data !== undefined && clock.data.customer_count > 0,
  });
  const data = clock.data;
  if (data === undefined)
    return (
      <>
        <PageHeader title="Test clock" />
        <ErrorAlert error={clock.error} title="The test clock could not be loaded" />
      </>
    );
  const shown = customers.data ?? [];
  return (
    <>
      <PageHeader
        title={data.name}
        description={
          <>
            <BillingStatusBadge status={data.status} />{" "}
            <Text span size="sm" c="dimmed" className="mono">
              {data.id}
            </Text>
          </>
        }
        actions={
          <>
            <Button onClick={() => setDialog("advance")} disabled={data.status === "advancing"}>
              Advance to…
            </Button>
            <Button variant="light" color="red" onClick={() => setDialog("delete")}>
              Delete
            </Button>
          </>
        }
      />
      <Paper withBorder radius="sm" p="md" mb="md">
        <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
          Frozen time
        </Text>
        <Text size="xl" fw={600} data-testid="frozen-time">
          {formatUtc(data.frozen_time)}
        </Text>
      </Paper>
      <Paper withBorder radius="sm" p="md">
        <Title order={4} mb="xs">
          Customers on this clock ({data.customer_count})
        </Title>
        <ErrorAlert error={customers.error} title="The customers could not be loaded" />
        <Table>
          <Table.Tbody>
            {data.customer_count === 0 ? (
              <MessageRow columns={3}>
                No customer lives on this clock yet. Create one with this clock as its test clock (the customer form, or
                POST /v1/customers with test_clock).
              </MessageRow>
            ) : null}
            {shown.map((customer) => (
              <Table.Tr key={customer.id}>
                <Table.Td>
                  <CustomerLink id={customer.id} />
                </Table.Td>
                <Table.Td className="mono">{customer.id}</Table.Td>
                <Table.Td>{customer.currency}</Table.Td>
              </Table.Tr>
            ))}
            {customers.data !== undefined && shown.length < data.customer_count ? (
              <MessageRow columns={3}>
                {data.customer_count - shown.length} more among older customers are not shown here.
              </MessageRow>
            ) : null}
          </Table.Tbody>
        </Table>
      </Paper>
      <AdvanceModal clock={data} opened={dialog === "advance"} onClose={() => setDialog(null)} />
      <DeleteModal clock={data} opened={dialog === "delete"} onClose={() => setDialog(null)} />
    </>
  );
}

function AdvanceModal(props: { clock: TestClock; opened: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [to, setTo] = useState(utcLocal(props.clock.frozen_time));
  const advance = useMutation({
    mutationFn: () =>
      api.post<TestClock>(`/v1/test_clocks/${encodeURIComponent(props.clock.id)}/advance`, {
        frozen_time: utcInstant(to) ?? to,
      }),
    onSuccess: async (clock) => {
      queryClient.setQueryData(["test_clock", clock.id], clock);
      notifications.show({ color: "teal", title: "Clock advanced", message: formatUtc(clock.frozen_time) });
      await queryClient.invalidateQueries({ queryKey: ["test_clocks"] });
      await queryClient.invalidateQueries({ queryKey: ["invoices"] });
      close();
    },
  });
  const close = () => {
    advance.reset();
    props.onClose();
  };
  return (
    <Modal opened={props.opened} onClose={close} title="Advance the clock">
      <Stack gap="sm">
        <ErrorAlert error={advance.error} title="Not advanced" />
        <Text size="sm">
          Now at {formatUtc(props.clock.frozen_time)}. Everything that falls due for the clock's customers up to the new
          time is billed, as it would be in real time. A clock only moves forward.
        </Text>
        <TextInput
          type="datetime-local"
          label="Advance to (UTC)"
          value={to}
          onChange={(event) => setTo(event.currentTarget.value)}
          error={fieldError(advance.error, "frozen_time")}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button loading={advance.isPending} onClick={() => advance.mutate()}>
            Advance
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function DeleteModal(props: { clock: TestClock; opened: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const navigate = route.useNavigate();
  const remove = useMutation({
    mutationFn: () => api.delete<unknown>(`/v1/test_clocks/${encodeURIComponent(props.clock.id)}`),
    onSuccess: async () => {
      notifications.show({ color: "gray", title: "Test clock deleted", message: props.clock.name });
      await queryClient.invalidateQueries({ queryKey: ["test_clocks"] });
      props.onClose();
      await navigate({ to: "/test-clocks", search: {} });
    },
  });
  return (
    <Modal opened={props.opened} onClose={props.onClose} title="Delete this test clock?">
      <Stack gap="sm">
        <ErrorAlert error={remove.error} title="Not deleted" />
        <Alert color="red" variant="light" p="xs">
          <Text size="sm">
            “{props.clock.name}” and the simulated data of its customers are deleted. Real customers and the live ledger
            are not touched.
          </Text>
        </Alert>
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onClose}>
            Cancel
          </Button>
          <Button color="red" loading={remove.isPending} onClick={() => remove.mutate()}>
            Delete clock
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
