import { Alert, Button, Group, Modal, Paper, Stack, Table, Text, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { useState } from "react";
import { api, type List } from "../../api.js";
import { formatUtc, type TestClock, utcInstant } from "../../billing.js";
import { BillingStatusBadge, isNotFound } from "../../components/billing-ui.js";
import { Pager } from "../../components/pager.js";
import { ErrorAlert, fieldError, MessageRow, PageHeader } from "../../components/ui.js";
import { formatInstant } from "../../format.js";

const route = getRouteApi("/signed-in/test-clocks");
const PAGE_SIZE = 25;
const COLUMNS = 5;

export function TestClocksPage() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const [creating, setCreating] = useState(false);
  const clocks = useQuery({
    queryKey: ["test_clocks", search],
    queryFn: () => api.get<List<TestClock>>("/v1/test_clocks", { ...search, limit: PAGE_SIZE }),
  });
  const rows = clocks.data?.data ?? [];
  return (
    <>
      <PageHeader
        title="Test clocks"
        description="Simulated time for trying out billing: customers on a clock live at its frozen time, and advancing it bills what falls due, in a ledger book of its own."
        actions={<Button onClick={() => setCreating(true)}>New test clock</Button>}
      />
      {isNotFound(clocks.error) ? (
        <Text size="sm" c="dimmed" mb="sm">
          Test clocks are not available on this server.
        </Text>
      ) : (
        <ErrorAlert error={clocks.error} title="The test clocks could not be loaded" />
      )}
      <Paper withBorder radius="sm">
        <Table striped highlightOnHover>
          <Table.Thead className="table-head">
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Frozen time</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th ta="right">Customers</Table.Th>
              <Table.Th>Created</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {clocks.isPending ? <MessageRow columns={COLUMNS}>Loading…</MessageRow> : null}
            {clocks.data !== undefined && rows.length === 0 ? (
              <MessageRow columns={COLUMNS}>No test clock yet.</MessageRow>
            ) : null}
            {rows.map((clock) => (
              <Table.Tr
                key={clock.id}
                className="clickable-row"
                onClick={() => void navigate({ to: "/test-clocks/$id", params: { id: clock.id } })}
              >
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {clock.name}
                  </Text>
                  <Text size="xs" c="dimmed" className="mono">
                    {clock.id}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{formatUtc(clock.frozen_time)}</Text>
                </Table.Td>
                <Table.Td>
                  <BillingStatusBadge status={clock.status} />
                </Table.Td>
                <Table.Td ta="right" className="mono">
                  {clock.customer_count}
                </Table.Td>
                <Table.Td>
                  <Text size="xs" c="dimmed">
                    {formatInstant(clock.created_at)}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      <Pager
        cursor={search}
        rows={rows}
        hasMore={clocks.data?.has_more ?? false}
        noun={["clock", "clocks"]}
        onPage={(next) => void navigate({ search: next })}
      />
      <CreateClockModal opened={creating} onClose={() => setCreating(false)} />
    </>
  );
}

function CreateClockModal(props: { opened: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const navigate = route.useNavigate();
  const [name, setName] = useState("");
  const [frozen, setFrozen] = useState("");
  const create = useMutation({
    mutationFn: () =>
      api.post<TestClock>("/v1/test_clocks", { name: name.trim(), frozen_time: utcInstant(frozen) ?? frozen }),
    onSuccess: async (clock) => {
      notifications.show({ color: "teal", title: "Test clock created", message: clock.name });
      await queryClient.invalidateQueries({ queryKey: ["test_clocks"] });
      close();
      await navigate({ to: "/test-clocks/$id", params: { id: clock.id } });
    },
  });
  const close = () => {
    create.reset();
    setName("");
    setFrozen("");
    props.onClose();
  };
  return (
    <Modal opened={props.opened} onClose={close} title="New test clock">
      <Stack gap="sm">
        <ErrorAlert error={create.error} title="Not created" />
        <Alert color="blue" variant="light" p="xs">
          <Text size="sm">
            Create customers on the clock (from their form or the API), subscribe them, then advance the clock to see
            their invoices.
          </Text>
        </Alert>
        <TextInput
          label="Name"
          placeholder="Annual plan renewal"
          required
          value={name}
          onChange={(event) => setName(event.currentTarget.value)}
          error={fieldError(create.error, "name")}
        />
        <TextInput
          type="datetime-local"
          label="Frozen time (UTC)"
          required
          value={frozen}
          onChange={(event) => setFrozen(event.currentTarget.value)}
          error={fieldError(create.error, "frozen_time")}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button loading={create.isPending} onClick={() => create.mutate()}>
            Create clock
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
