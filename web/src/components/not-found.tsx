import { Button, Center, Stack, Text, Title } from "@mantine/core";
import { Link } from "@tanstack/react-router";

export function NotFound() {
  return (
    <Center h="60vh">
      <Stack align="center" gap="xs">
        <Title order={2}>Page not found</Title>
        <Text c="dimmed" size="sm">
          There is nothing at this address.
        </Text>
        <Button component={Link} to="/ledger/trial-balance" variant="light" mt="sm">
          Go to the trial balance
        </Button>
      </Stack>
    </Center>
  );
}
