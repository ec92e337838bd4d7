-- Responses that carry a secret shown once (a personal access token, a webhook's HMAC secret) are no
-- longer stored for Idempotency-Key replays (docs/api.md, Idempotency). Drop any stored before: the
-- key stays reserved, and a retry is told the secret cannot be shown again.
UPDATE registry.idempotency_keys
SET body = NULL, content_type = NULL
WHERE method = 'POST'
  AND status_code IS NOT NULL
  AND (path ~ '^/api/v1/users/[^/]+/tokens/?$' OR path ~ '^/api/v1/webhooks/?$');
