/**
 * Gives zod's built-in messages ("expected string, received number") in
 * English. The worker uses `zod/mini`, which loads no locale of its own: the
 * classic `zod` API is one 450 KB module, while mini tree-shakes to what is
 * used, which is most of the difference between a slow and a fast cold start.
 * Import this module, for its effect, from every module that declares schemas.
 *
 * Schemas import `zod/mini` directly (`import * as z from 'zod/mini'`), never
 * through a re-exported namespace: a namespace object passed on as a value
 * would drag all of zod into the bundle.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());
