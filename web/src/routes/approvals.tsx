import { Button, Group, Modal, Stack, Table, Text, Textarea } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { useState } from "react";
import { type Approval, api, type List } from "../api.js";
import { AppLink } from "../components/billing-ui.js";
import { FilteredTable, SegmentFilter } from "../components/filtered-table.js";
import { ErrorAlert, fieldError, StatusBadge } from "../components/ui.js";
import { formatInstant } from "../format.js";

const route = getRouteApi("/signed-in/approvals");
const PAGE_SIZE = 25;

type Decision = "approve" | "reject";

const STATUSES = [
  { value: "pending", label: "Pending" },
  { value: "approved", label: "Approved" },
  { value: "rejected", label: "Rejected" },
  { value: "all", label: "All" },
];

export function ApprovalsPage() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const [deciding, setDeciding] = useState<{ approval: Approval; decision: Decision } | null>(null);
  // Pending is where the work is; "all" is spelled out so the default needs no parameter.
  const status = search.status ?? "pending";
  const { status: _status, ...cursor } = search;
  const approvals = useQuery({
    queryKey: ["approvals", status, cursor],
    queryFn: () =>
      api.get<List<Approval>>("/v1/approvals", {
        ...cursor,
        status: status === "all" ? undefined : status,
        limit: PAGE_SIZE,
      }),
  });
  return (
    <FilteredTable
      title="Approvals"
      description="Actions that need a second person. Whoever requested an action cannot approve it."
      filters={
        <SegmentFilter
          value={status}
          options={STATUSES}
          onChange={(value) => void navigate({ search: value === "pending" ? {} : { status: value } })}
        />
      }
      query={approvals}
      errorTitle="The approvals could not be loaded"
      columns={["Requested", "Action", "Summary", "Requested by", "Status", "Decision", ""]}
      empty={status === "pending" ? "Nothing waits for a decision." : "No approvals."}
      cells={(approval) => (
        <ApprovalCells approval={approval} onDecide={(decision) => setDeciding({ approval, decision })} />
      )}
      pager={{
        cursor,
        noun: ["approval", "approvals"],
        onPage: (next) => void navigate({ search: { ...(search.status ? { status: search.status } : {}), ...next } }),
      }}
    >
      <DecisionModal deciding={deciding} onClose={() => setDeciding(null)} />
    </FilteredTable>
  );
}

function ApprovalCells(props: { approval: Approval; onDecide: (decision: Decision) => void }) {
  const approval = props.approval;
  return (
    <>
      <Table.Td>
        <Text size="sm">{formatInstant(approval.created_at)}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm" className="mono">
          {approval.action}
        </Text>
        <Text size="xs" c="dimmed" className="mono">
          {approval.object_id}
        </Text>
        {approval.object_type === "rate_card" ? (
          <AppLink to={`/rate-cards/${encodeURIComponent(approval.object_id)}?tab=diff`} size="xs">
            Review the changes
          </AppLink>
        ) : null}
      </Table.Td>
      <Table.Td maw={320}>
        <Text size="sm">{approval.summary}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{approval.requested_by_name ?? approval.requested_by}</Text>
      </Table.Td>
      <Table.Td>
        <StatusBadge status={approval.status} />
      </Table.Td>
      <Table.Td maw={260}>
        {approval.decided_at === null ? (
          <Text size="sm" c="dimmed">
            —
          </Text>
        ) : (
          <>
            <Text size="sm">
              {approval.decided_by_name ?? approval.decided_by} · {formatInstant(approval.decided_at)}
            </Text>
            {approval.comment === null ? null : (
              <Text size="xs" c="dimmed" lineClamp={2}>
                “{approval.comment}”
              </Text>
            )}
          </>
        )}
      </Table.Td>
      <Table.Td>
        {approval.status === "pending" ? (
          <Group gap={4} wrap="nowrap" justify="flex-end">
            <Button size="compact-xs" color="teal" onClick={() => props.onDecide("approve")}>
              Approve
            </Button>
            <Button size="compact-xs" variant="light" color="red" onClick={() => props.onDecide("reject")}>
              Reject
            </Button>
          </Group>
        ) : null}
      </Table.Td>
    </>
  );
}

function DecisionModal(props: { deciding: { approval: Approval; decision: Decision } | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [comment, setComment] = useState("");
  const decide = useMutation({
    mutationFn: (input: { id: string; decision: Decision }) =>
      api.post<Approval>(`/v1/approvals/${encodeURIComponent(input.id)}/${input.decision}`, {
        ...(comment.trim() === "" ? {} : { comment: comment.trim() }),
      }),
    onSuccess: async (approval) => {
      notifications.show({
        color: approval.status === "approved" ? "teal" : "gray",
        title: approval.status === "approved" ? "Approved" : "Rejected",
        message: approval.summary,
      });
      await queryClient.invalidateQueries({ queryKey: ["approvals"] });
      close();
    },
  });
  const close = () => {
    decide.reset();
    setComment("");
    props.onClose();
  };
  const deciding = props.deciding;
  const approving = deciding?.decision === "approve";
  return (
    <Modal
      opened={deciding !== null}
      onClose={close}
      title={approving ? "Approve this action?" : "Reject this action?"}
    >
      {deciding === null ? null : (
        <Stack gap="sm">
          <ErrorAlert error={decide.error} title={approving ? "Not approved" : "Not rejected"} />
          <Text size="sm">{deciding.approval.summary}</Text>
          <Text size="xs" c="dimmed">
            Requested by {deciding.approval.requested_by_name ?? deciding.approval.requested_by} on{" "}
            {formatInstant(deciding.approval.created_at)}.{" "}
            {approving ? "The action runs as soon as you approve." : "The action will never run."}
          </Text>
          <Textarea
            label="Comment"
            placeholder={approving ? "Optional: why this is fine" : "Why it is rejected"}
            autosize
            minRows={2}
            value={comment}
            onChange={(event) => setComment(event.currentTarget.value)}
            error={fieldError(decide.error, "comment")}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button
              color={approving ? "teal" : "red"}
              loading={decide.isPending}
              onClick={() => decide.mutate({ id: deciding.approval.id, decision: deciding.decision })}
            >
              {approving ? "Approve" : "Reject"}
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
