/**
 * Fleet utilisation of each pool against its thresholds, threshold events and mitigation.
 */
package io.github.llmquota.actuate.alert;
