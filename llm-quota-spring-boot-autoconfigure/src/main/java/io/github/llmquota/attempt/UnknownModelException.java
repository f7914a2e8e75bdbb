package io.github.llmquota.attempt;

/**
 * Thrown by the {@link AttemptGovernor} for a provider request whose model is not
 * configured: sending it ungoverned would put traffic on the provider that the fleet does
 * not see. Configure the model under {@code llm.quota.models}, or name it in
 * {@code llm.quota.governor.ungoverned-models} to send it without admission. The request
 * is not sent.
 */
public class UnknownModelException extends IllegalStateException {

	private final String model;

	/**
	 * Create an exception.
	 * @param model the model the request body names
	 * @param uri the request URI, for the message
	 */
	public UnknownModelException(String model, String uri) {
		super("The request to " + uri + " is for model '" + model + "', which llm-quota does not govern: configure "
				+ "it under llm.quota.models." + model + ", or list it in llm.quota.governor.ungoverned-models to "
				+ "send it without admission");
		this.model = model;
	}

	/**
	 * Return the model the request body names.
	 * @return the model
	 */
	public String getModel() {
		return this.model;
	}

}
