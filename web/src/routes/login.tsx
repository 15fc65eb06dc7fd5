import { Anchor, Box, Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { api, type Session, setCsrfToken } from "../api.js";
import { ErrorAlert, fieldError } from "../components/ui.js";
import { sessionQuery } from "../session.js";

const route = getRouteApi("/login");

/** Only a path on this site: a crafted ?redirect=https://… must not send anyone elsewhere. */
function safeRedirect(target: string | undefined): string {
  return target?.startsWith("/") === true && !target.startsWith("//") && !target.startsWith("/login")
    ? target
    : "/ledger/trial-balance";
}

export function LoginPage() {
  const { redirect } = route.useSearch();
  const navigate = route.useNavigate();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");

  const signIn = useMutation({
    mutationFn: () => api.post<Session>("/v1/auth/login", { email, password }),
    onSuccess: async (session) => {
      setCsrfToken(session.csrf_token);
      queryClient.setQueryData(sessionQuery.queryKey, session);
      await navigate({ to: safeRedirect(redirect) });
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate();
  };

  return (
    <Center mih="100vh" bg="gray.0" p="md">
      <Box w={380}>
        <Stack gap={4} mb="lg" align="center">
          <Title order={2} c="indigo.7" style={{ letterSpacing: "-0.02em" }}>
            Accrue
          </Title>
          <Text size="sm" c="dimmed">
            Billing operations
          </Text>
        </Stack>
        <Paper withBorder shadow="xs" p="xl" radius="md">
          <form onSubmit={submit} noValidate>
            <Stack gap="sm">
              <Title order={3} size="h4">
                Sign in
              </Title>
              <ErrorAlert error={signIn.error} title="Could not sign in" />
              <TextInput
                label="Email"
                name="email"
                type="email"
                autoComplete="username"
                required
                autoFocus
                value={email}
                onChange={(event) => setEmail(event.currentTarget.value)}
                error={fieldError(signIn.error, "email")}
              />
              <PasswordInput
                label="Password"
                name="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(event) => setPassword(event.currentTarget.value)}
                error={fieldError(signIn.error, "password")}
              />
              <Button type="submit" loading={signIn.isPending} fullWidth mt="xs">
                Sign in
              </Button>
            </Stack>
          </form>
        </Paper>
        <Text size="xs" c="dimmed" ta="center" mt="md">
          Integrating? Read the <Anchor href="/docs">API reference</Anchor>.
        </Text>
      </Box>
    </Center>
  );
}
