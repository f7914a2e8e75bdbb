/**
 * The Redis-backed quota store: one Lua script call per decision, grants pushed over
 * pub/sub.
 */
package io.github.llmquota.redis;
