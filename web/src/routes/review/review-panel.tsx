import { Alert, Badge, Button, Group, Modal, Paper, Stack, Table, Text, Textarea, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ApiError, api } from "../../api.js";
import type { Finding, InvoiceReview } from "../../billing.js";
import { SEVERITY_COLORS, SeverityBadge } from "../../components/billing-ui.js";
import { ErrorAlert, fieldError, MessageRow } from "../../components/ui.js";
import { formatInstant, humanize } from "../../format.js";

/**
 * The draft review checklist of one invoice: every finding with its severity,
 * an override (with a reason) for each blocking one, and whether the draft
 * may be finalized. Where the review is not available, the panel says so and
 * finalizing is left to the API to refuse or accept.
 */

export function reviewQuery(invoiceId: string, enabled: boolean) {
  return {
    queryKey: ["invoice_review", invoiceId],
    queryFn: () => api.get<InvoiceReview>(`/v1/invoices/${encodeURIComponent(invoiceId)}/review`),
    enabled,
    retry: (count: number, error: unknown) => !(error instanceof ApiError && error.status < 500) && count < 2,
  };
}

export function useInvoiceReview(invoiceId: string, enabled: boolean) {
  return useQuery(reviewQuery(invoiceId, enabled));
}

/** Findings are written in lower case for embedding; on their own they start with a capital. */
function sentence(message: string): string {
  return message.charAt(0).toUpperCase() + message.slice(1);
}

const SEVERITY_ORDER = { blocking: 0, warning: 1, info: 2 } as const;

export function ReviewPanel(props: { invoiceId: string }) {
  const review = useInvoiceReview(props.invoiceId, true);
  const [overriding, setOverriding] = useState<Finding | null>(null);
  const unavailable = review.error instanceof ApiError && review.error.status === 404;
  const findings = [...(review.data?.findings ?? [])].sort(
    (left, right) => SEVERITY_ORDER[left.severity] - SEVERITY_ORDER[right.severity],
  );

  return (
    <Paper withBorder radius="sm" p="md" data-testid="review-panel">
      <Group justify="space-between" mb="sm">
        <Title order={4}>Review checklist</Title>
        {review.data === undefined ? null : (
          <Group gap="xs">
            <Badge color={review.data.blocking > 0 ? "red" : "gray"} variant="light" data-testid="blocking-count">
              {review.data.blocking} blocking
            </Badge>
            <Badge color={review.data.warnings > 0 ? "yellow" : "gray"} variant="light">
              {review.data.warnings} {review.data.warnings === 1 ? "warning" : "warnings"}
            </Badge>
          </Group>
        )}
      </Group>
      {unavailable ? (
        <Text size="sm" c="dimmed">
          The review checklist is not available for this invoice.
        </Text>
      ) : (
        <ErrorAlert error={review.error} title="The review could not be loaded" />
      )}
      {review.data === undefined ? null : (
        <Stack gap="xs">
          <ReviewStatus review={review.data} />
          <Table>
            <Table.Tbody>
              {findings.length === 0 ? <MessageRow columns={3}>Every check passed.</MessageRow> : null}
              {findings.map((finding) => (
                <Table.Tr
                  // A rule can find several things (one per line); the fingerprint tells them apart.
                  key={`${finding.rule}-${finding.details.fingerprint}-${finding.message}`}
                  data-testid={`finding-${finding.rule}`}
                  style={{ borderLeft: `4px solid var(--mantine-color-${SEVERITY_COLORS[finding.severity]}-6)` }}
                >
                  <Table.Td w={100}>
                    <SeverityBadge severity={finding.severity} />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {sentence(finding.message)}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {humanize(finding.rule)}
                    </Text>
                    {finding.override === null ? null : (
                      <Text size="xs" c="teal.8" mt={2}>
                        Overridden by {finding.override.overridden_by} on{" "}
                        {formatInstant(finding.override.overridden_at)}: “{finding.override.reason}”
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td w={110} ta="right">
                    {finding.severity === "blocking" && finding.override === null ? (
                      <Button size="compact-xs" variant="light" color="red" onClick={() => setOverriding(finding)}>
                        Override
                      </Button>
                    ) : null}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      )}
      <OverrideModal invoiceId={props.invoiceId} finding={overriding} onClose={() => setOverriding(null)} />
    </Paper>
  );
}

function ReviewStatus(props: { review: InvoiceReview }) {
  const review = props.review;
  if (!review.can_finalize)
    return (
      <Alert color="red" variant="light" p="xs">
        <Text size="sm">Blocking findings must be fixed or overridden before this draft can be finalized.</Text>
      </Alert>
    );
  const unenforced = review.blocking > 0;
  return (
    <Alert color={unenforced ? "yellow" : "teal"} variant="light" p="xs">
      <Text size="sm">
        {unenforced
          ? "Blocking findings are not enforced: this draft can be finalized as it is. Look at them first."
          : "Ready to finalize."}
        {review.approval_required ? " Finalizing sends it for approval first: the total is above the threshold." : ""}
        {review.auto_finalize_at === null
          ? ""
          : ` It will be finalized on its own at ${formatInstant(review.auto_finalize_at)} unless changed.`}
      </Text>
    </Alert>
  );
}

function OverrideModal(props: { invoiceId: string; finding: Finding | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [reason, setReason] = useState("");
  const override = useMutation({
    mutationFn: (rule: string) =>
      api.post<InvoiceReview>(
        `/v1/invoices/${encodeURIComponent(props.invoiceId)}/findings/${encodeURIComponent(rule)}/override`,
        { reason: reason.trim() },
      ),
    onSuccess: async (review) => {
      queryClient.setQueryData(["invoice_review", props.invoiceId], review);
      notifications.show({ color: "teal", title: "Finding overridden", message: props.finding?.message ?? "" });
      await queryClient.invalidateQueries({ queryKey: ["review_queue"] });
      close();
    },
  });
  const close = () => {
    override.reset();
    setReason("");
    props.onClose();
  };
  const finding = props.finding;
  return (
    <Modal opened={finding !== null} onClose={close} title="Override a blocking finding">
      {finding === null ? null : (
        <Stack gap="sm">
          <ErrorAlert error={override.error} title="Not overridden" />
          <Text size="sm" fw={500}>
            {sentence(finding.message)}
          </Text>
          <Text size="xs" c="dimmed">
            The override and its reason are kept in the audit log. The draft can then be finalized despite this finding.
          </Text>
          <Textarea
            label="Reason"
            placeholder="Why this invoice is right as it is"
            autosize
            minRows={2}
            required
            value={reason}
            onChange={(event) => setReason(event.currentTarget.value)}
            error={fieldError(override.error, "reason")}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button
              color="red"
              loading={override.isPending}
              disabled={reason.trim() === ""}
              onClick={() => override.mutate(finding.rule)}
            >
              Override
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
