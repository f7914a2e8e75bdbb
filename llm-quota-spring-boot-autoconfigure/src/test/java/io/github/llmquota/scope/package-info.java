/**
 * Tests of the scope hierarchy (organisation, project, pool) across stores and engines.
 */
package io.github.llmquota.scope;
