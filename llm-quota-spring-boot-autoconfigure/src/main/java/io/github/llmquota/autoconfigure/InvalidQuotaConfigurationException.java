package io.github.llmquota.autoconfigure;

/**
 * Thrown at startup when {@code llm.quota.*} holds a value llm-quota cannot work with.
 */
public class InvalidQuotaConfigurationException extends IllegalStateException {

	private final String property;

	private final Object value;

	private final String reason;

	/**
	 * Create an exception.
	 * @param property the full name of the offending property
	 * @param value its value
	 * @param reason what is wrong with it
	 */
	public InvalidQuotaConfigurationException(String property, Object value, String reason) {
		super("Invalid llm-quota configuration: " + property + " = " + value + ": " + reason);
		this.property = property;
		this.value = value;
		this.reason = reason;
	}

	/**
	 * Return the full name of the offending property.
	 * @return the property
	 */
	public String getProperty() {
		return this.property;
	}

	/**
	 * Return the offending value.
	 * @return the value
	 */
	public Object getValue() {
		return this.value;
	}

	/**
	 * Return what is wrong with the value.
	 * @return the reason
	 */
	public String getReason() {
		return this.reason;
	}

}
