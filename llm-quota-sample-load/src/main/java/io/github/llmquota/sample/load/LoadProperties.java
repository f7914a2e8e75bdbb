package io.github.llmquota.sample.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Configuration of load mode.
 */
@ConfigurationProperties("sample.load")
@Validated
public class LoadProperties {

	/**
	 * Whether to run load mode: send traffic for the duration, print one LOAD-SUMMARY
	 * line and exit.
	 */
	private boolean enabled;

	/**
	 * How long to send traffic.
	 */
	@NotNull
	private Duration duration = Duration.ofSeconds(60);

	/**
	 * Chat calls started per second at INTERACTIVE priority, whether or not earlier ones
	 * have finished. 0 sends none.
	 */
	@DecimalMin("0")
	private double interactiveRps = 0.25;

	/**
	 * Calls started per second at CRITICAL priority, whether or not earlier ones have
	 * finished. They are made on the provider client directly, in an LlmCallContext
	 * instead of through an annotated method, so that the attempt governor alone admits
	 * them. 0 sends none.
	 */
	@DecimalMin("0")
	private double criticalRps;

	/**
	 * Summarisation workers, each sending one BACKGROUND call after another. 0 runs none.
	 */
	@Min(0)
	private int backgroundConcurrency = 3;

	/**
	 * Size of each prompt, in tokens of four characters, system prompt included.
	 */
	@Min(8)
	private int promptTokens = 1000;

	/**
	 * max_tokens of each call.
	 */
	@Min(1)
	private int maxTokens = 300;

	/**
	 * Share of calls, in [0, 1], whose system prompt is one fixed prompt marked for the
	 * prompt cache; the others have a system prompt of their own, uncached.
	 */
	@DecimalMin("0")
	@DecimalMax("1")
	private double cacheHitRatio = 0.5;

	/**
	 * Whether the background summaries are marked deferrable, so that the batch valve
	 * (llm.quota.batch.enabled) sends them to the Message Batches API while their pool is
	 * under pressure. A worker waits for its deferred call's batch before its next call.
	 */
	private boolean backgroundDeferrable;

	/**
	 * Streamed calls started per second at INTERACTIVE priority, whether or not earlier
	 * ones have finished: raw Messages streams through the governed RestClient, each read
	 * to its end. 0 sends none.
	 */
	@DecimalMin("0")
	private double streamRps;

	/**
	 * Time between two samples of the output in flight, the fleet's view against the
	 * simulator's, while streams run.
	 */
	@NotNull
	private Duration streamSampleInterval = Duration.ofMillis(250);

	/**
	 * BACKGROUND summaries started per second, whether or not earlier ones have finished
	 * (open loop, as batch jobs submit work), on top of the summarisation workers. Work
	 * then keeps arriving while the pool is under pressure, which is when deferrable work
	 * goes to the batch API. 0 sends none.
	 */
	private double backgroundRps;

	public double getBackgroundRps() {
		return this.backgroundRps;
	}

	public void setBackgroundRps(double backgroundRps) {
		this.backgroundRps = backgroundRps;
	}

	/**
	 * INTERACTIVE calls per second to claude-haiku-4-5, the model of the sample's second
	 * project (project-assist), on the provider client in an LlmCallContext: with chat
	 * calls on Sonnet (project-chat) both projects of the organisation carry load, and
	 * the summary gives each scope's share of the tokens. 0 sends none.
	 */
	@Min(0)
	private double assistRps;

	public double getAssistRps() {
		return this.assistRps;
	}

	public void setAssistRps(double assistRps) {
		this.assistRps = assistRps;
	}

	/**
	 * Workers per tenant, each sending one NORMAL chat call after another in its tenant's
	 * name (tenant-1, tenant-2, ...), on the provider client in an LlmCallContext: uneven
	 * numbers give uneven demand. Empty for no tenant load. Their weights and limits are
	 * llm.quota.tenants.*.
	 */
	private List<@Min(0) Integer> tenantWorkers = new ArrayList<>();

	public List<Integer> getTenantWorkers() {
		return this.tenantWorkers;
	}

	public void setTenantWorkers(List<Integer> tenantWorkers) {
		this.tenantWorkers = tenantWorkers;
	}

	public boolean isBackgroundDeferrable() {
		return this.backgroundDeferrable;
	}

	public void setBackgroundDeferrable(boolean backgroundDeferrable) {
		this.backgroundDeferrable = backgroundDeferrable;
	}

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Duration getDuration() {
		return this.duration;
	}

	public void setDuration(Duration duration) {
		this.duration = duration;
	}

	public double getInteractiveRps() {
		return this.interactiveRps;
	}

	public void setInteractiveRps(double interactiveRps) {
		this.interactiveRps = interactiveRps;
	}

	public double getCriticalRps() {
		return this.criticalRps;
	}

	public void setCriticalRps(double criticalRps) {
		this.criticalRps = criticalRps;
	}

	public int getBackgroundConcurrency() {
		return this.backgroundConcurrency;
	}

	public void setBackgroundConcurrency(int backgroundConcurrency) {
		this.backgroundConcurrency = backgroundConcurrency;
	}

	public int getPromptTokens() {
		return this.promptTokens;
	}

	public void setPromptTokens(int promptTokens) {
		this.promptTokens = promptTokens;
	}

	public int getMaxTokens() {
		return this.maxTokens;
	}

	public void setMaxTokens(int maxTokens) {
		this.maxTokens = maxTokens;
	}

	public double getCacheHitRatio() {
		return this.cacheHitRatio;
	}

	public void setCacheHitRatio(double cacheHitRatio) {
		this.cacheHitRatio = cacheHitRatio;
	}

	public double getStreamRps() {
		return this.streamRps;
	}

	public void setStreamRps(double streamRps) {
		this.streamRps = streamRps;
	}

	public Duration getStreamSampleInterval() {
		return this.streamSampleInterval;
	}

	public void setStreamSampleInterval(Duration streamSampleInterval) {
		this.streamSampleInterval = streamSampleInterval;
	}

}
