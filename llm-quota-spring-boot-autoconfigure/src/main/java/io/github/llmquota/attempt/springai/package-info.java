/**
 * Spring AI integration of the attempt governor: the {@code ChatClient} advisor that
 * carries priority, user and wait budget into a chat call.
 */
package io.github.llmquota.attempt.springai;
