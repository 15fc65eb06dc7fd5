import { Anchor, Badge, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useRouter } from "@tanstack/react-router";
import type { MouseEvent, ReactNode } from "react";
import { ApiError, api } from "../api.js";
import { type CustomerSummary, customerName, type FindingSeverity } from "../billing.js";
import { humanize } from "../format.js";

/** Widgets the invoicing screens share: status and severity badges, links to other resources. */

const INVOICE_COLORS: Record<string, string> = {
  draft: "gray",
  open: "blue",
  paid: "teal",
  void: "red",
  uncollectible: "orange",
  issued: "blue",
  running: "yellow",
  succeeded: "teal",
  completed_with_failures: "orange",
  failed: "red",
  invoiced: "teal",
  skipped_held: "yellow",
  skipped_already_billed: "gray",
  advancing: "yellow",
  ready: "teal",
};

export function BillingStatusBadge(props: { status: string; label?: string | undefined }) {
  return (
    <Badge
      component="span"
      variant="light"
      color={INVOICE_COLORS[props.status] ?? "gray"}
      size="sm"
      // A status is never cut short: the column widens for it.
      miw="max-content"
      data-testid="status-badge"
    >
      {props.label ?? humanize(props.status)}
    </Badge>
  );
}

export const SEVERITY_COLORS: Record<FindingSeverity, string> = { blocking: "red", warning: "yellow", info: "blue" };

export function SeverityBadge(props: { severity: FindingSeverity }) {
  return (
    <Badge component="span" variant="filled" color={SEVERITY_COLORS[props.severity]} size="sm">
      {humanize(props.severity)}
    </Badge>
  );
}

/** A link inside the app by its path; routes owned by other screens are reached without a page load. */
export function AppLink(props: { to: string; children: ReactNode; size?: string; testId?: string }) {
  const router = useRouter();
  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    router.history.push(props.to);
  };
  return (
    <Anchor href={props.to} onClick={follow} size={props.size ?? "sm"} data-testid={props.testId}>
      {props.children}
    </Anchor>
  );
}

export function useCustomer(id: string | null | undefined) {
  return useQuery({
    queryKey: ["customer", id],
    queryFn: () => api.get<CustomerSummary>(`/v1/customers/${encodeURIComponent(id ?? "")}`),
    enabled: id !== null && id !== undefined && id !== "",
    staleTime: 60_000,
  });
}

/** The customer's name, linked to their page; the id while the name loads or if it cannot be read. */
export function CustomerLink(props: { id: string | null | undefined }) {
  const customer = useCustomer(props.id);
  if (props.id === null || props.id === undefined || props.id === "")
    return (
      <Text span c="dimmed" size="sm">
        —
      </Text>
    );
  return (
    <AppLink to={`/customers/${encodeURIComponent(props.id)}`}>
      {customer.data === undefined ? props.id : customerName(customer.data)}
    </AppLink>
  );
}

/** The API answers 404 for a resource that does not exist and for an endpoint not offered by this server. */
export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}
