/**
 * `npm run secret`: prints a new destination secret (`whsec_` and 32 random bytes in base64), the
 * form Standard Webhooks consumers pass to `new Webhook(secret)` as is. Store it with
 * `npx wrangler secret put DESTINATION_SECRET` (or the name a route's `secret` gives) and give the
 * same value to the destination.
 */
import { newSecret } from "../src/crypto/secrets.ts";

console.log(newSecret());
