/**
 * Estimation of a call's input tokens before it is sent, corrected by what providers
 * report.
 */
package io.github.llmquota.estimate;
