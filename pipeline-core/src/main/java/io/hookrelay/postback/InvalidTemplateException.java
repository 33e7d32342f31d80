package io.hookrelay.postback;

/** A postback template that cannot be used; {@link #macro()} is the culprit as written, when there is one. */
public final class InvalidTemplateException extends IllegalArgumentException {

    private final String macro;

    public InvalidTemplateException(String macro, String problem) {
        super(macro == null ? problem : "macro " + macro + " " + problem);
        this.macro = macro;
    }

    /** The macro as written in the template, or null when the problem is the template as a whole. */
    public String macro() {
        return macro;
    }
}
