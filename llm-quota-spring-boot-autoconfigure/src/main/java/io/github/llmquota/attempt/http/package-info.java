/**
 * The attempt governor for Spring's HTTP clients: RestClient, RestTemplate and WebClient.
 */
package io.github.llmquota.attempt.http;
