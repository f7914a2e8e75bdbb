/**
 * Test helpers shared by the packages' tests.
 */
package io.github.llmquota.testsupport;
