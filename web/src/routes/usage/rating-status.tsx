import { Alert, Badge, Group, Stack, Text } from "@mantine/core";
import { Id } from "../../components/ui.js";
import { formatAmount } from "../../format.js";
import type { EventRating, RatingStatus, UsageEvent } from "../../usage.js";

/** How an event's rating reads in the explorer: a badge, the charges, or the script's error. */

export const RATING_STATUS_LABELS: Record<RatingStatus, string> = {
  rated: "Rated",
  unrated: "Unrated",
  no_charge: "No charge",
  pending: "Pending",
  not_scripted: "Meters only",
};

const COLORS: Record<RatingStatus, string> = {
  rated: "teal",
  unrated: "red",
  no_charge: "gray",
  pending: "yellow",
  not_scripted: "gray",
};

export function RatingStatusBadge(props: { status: RatingStatus }) {
  return (
    <Badge
      size="sm"
      variant="light"
      color={COLORS[props.status]}
      data-rating-status={props.status}
      style={{ flexShrink: 0 }}
    >
      {RATING_STATUS_LABELS[props.status]}
    </Badge>
  );
}

function chargesText(rating: EventRating): string {
  const count = `${rating.charges} ${rating.charges === 1 ? "charge" : "charges"}`;
  return rating.amount === null || rating.currency === null
    ? count
    : `${count} · ${formatAmount(rating.amount, rating.currency)}`;
}

function lineText(error: NonNullable<EventRating["error"]>): string {
  return error.script_line === null ? error.code : `${error.code}, line ${error.script_line}`;
}

/** The table cell: the badge, and beside it the charges or the script line that failed. */
export function RatingCell(props: { event: UsageEvent }) {
  const { rating, rating_status: status } = props.event;
  return (
    <Group gap={6} wrap="nowrap" miw={190}>
      <RatingStatusBadge status={status} />
      {status === "rated" ? (
        <Text size="xs" c="dimmed" className="mono" style={{ whiteSpace: "nowrap" }}>
          {chargesText(rating)}
        </Text>
      ) : null}
      {status === "unrated" && rating.error !== null ? (
        <Text size="xs" c="red.8" className="mono" style={{ whiteSpace: "nowrap" }} title={rating.error.message}>
          {rating.error.script_line === null ? rating.error.code : `line ${rating.error.script_line}`}
        </Text>
      ) : null}
    </Group>
  );
}

const EXPLANATIONS: Record<RatingStatus, string> = {
  rated: "The latest rating of this event's period charged it.",
  unrated:
    "The charge script failed on this event in the latest rating of its period: fix the script (or the event) and rate the period again.",
  no_charge: "Rated after it arrived; the charge script emitted nothing for it.",
  pending:
    "Accepted, not rated yet: the next billing run, a re-rating of its period or a late-event rating will rate it.",
  not_scripted:
    "No charge script rates this customer (none is assigned and there is no default script): the event counts only in meters.",
};

/** The drawer's section: what the rating made of the event, with the error in full. */
export function RatingDetail(props: { event: UsageEvent }) {
  const { rating, rating_status: status } = props.event;
  return (
    <Stack gap={6} data-testid="event-rating">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        Rating
      </Text>
      <Group gap="xs">
        <RatingStatusBadge status={status} />
        {rating.charges > 0 ? <Text size="sm">{chargesText(rating)}</Text> : null}
      </Group>
      <Text size="sm" c="dimmed">
        {EXPLANATIONS[status]}
      </Text>
      {rating.error === null ? null : (
        <Alert color="red" variant="light" title={lineText(rating.error)} data-testid="event-rating-error">
          <Stack gap={4}>
            <Text size="sm" className="mono" style={{ whiteSpace: "pre-wrap" }}>
              {rating.error.message}
            </Text>
            <Text size="xs" c="dimmed">
              Script version <Id value={rating.error.script_version} />
              {rating.error.script_line === null ? null : ` · line ${rating.error.script_line}`}
            </Text>
          </Stack>
        </Alert>
      )}
    </Stack>
  );
}
