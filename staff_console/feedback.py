"""The one-line notices shown after an action: stored as codes, translated when shown."""

from __future__ import annotations

from locales import N_, Translator

DONE: dict[str, str] = {
    "goal.added": N_("Meta agregada al plan."),
    "goal.updated": N_("Meta actualizada."),
    "step.added": N_("Paso agregado."),
    "step.confirmed": N_("Paso confirmado."),
    "appointment.scheduled": N_("Cita agendada."),
    "appointment.moved": N_("Cita cambiada de fecha."),
    "appointment.cancelled": N_("Cita cancelada."),
    "appointment.attendance": N_("Asistencia registrada."),
    "told": N_("Se le avisó por su chat."),
    "not_told": N_("No se le avisó por chat: no tiene chat vinculado con consentimiento vigente."),
    "flag.acknowledged": N_("Alerta marcada como vista."),
    "flag.resolved": N_("Alerta resuelta."),
    "flag.marked": N_("Alerta marcada para la próxima evaluación."),
    "flag.unmarked": N_("Alerta quitada de la próxima evaluación."),
    "message.marked": N_("Mensaje marcado para la próxima evaluación."),
    "message.unmarked": N_("Mensaje quitado de la próxima evaluación."),
    "reply.sent": N_("Respuesta en camino a su chat."),
    "request.handled": N_("Solicitud atendida."),
    "alert.acknowledged": N_("Alerta marcada como vista. Le avisamos por su chat."),
    "duty.shift_added": N_("Turno agregado."),
    "duty.shift_removed": N_("Turno quitado."),
    "duty.change_added": N_("Cambio agregado."),
    "duty.change_removed": N_("Cambio quitado."),
    "duty.backup": N_("Respaldo guardado."),
    "duty.escalation": N_("Tiempos de escalamiento guardados."),
    "account.email": N_("Correo guardado."),
    "account.telegram_unlinked": N_("Tu Telegram ya no recibe alertas."),
    "case.follow_up": N_("El caso pasó a seguimiento después del cuidado."),
    "case.closed": N_("Caso cerrado. Su chat quedó desvinculado."),
    "case.phase": N_("Fase actualizada."),
    "case.admitted": N_("Caso abierto. Ahora dale su código para vincular el chat."),
    "case.operator": N_("Operador(a) de referencia cambiado(a). El caso pasó a su lista."),
    "case.care_setting": N_("Entorno de cuidado actualizado."),
    "family.contact_added": N_("Contacto permitido agregado. Lo ve en su chat, en «Mi familia»."),
    "family.contact_ended": N_("El contacto ya no está permitido desde esa fecha."),
    "family.contact_recorded": N_("Llamada o visita registrada. La nota no llega a su chat."),
    "legal.opened": N_(
        "Trámite agregado. Lo ve en su chat, en «Mis papeles», en palabras simples."
    ),
    "legal.updated": N_("Trámite actualizado. Lo ve en su chat, en «Mis papeles»."),
    "case.erasure_requested": N_(
        "Borrado pedido. Otra persona administradora tiene que confirmarlo."
    ),
    "case.erasure_cancelled": N_("Ya no se pide borrar el caso."),
    "case.erased": N_("El caso se borró por completo."),
    "evaluation.recorded": N_("Evaluación registrada."),
    "proposal.accepted": N_("Propuesta aceptada: ya está en su plan. Se le avisa por su chat."),
    "proposal.rework": N_("Se le avisa por su chat que la van a platicar."),
    "proposal.declined": N_("Se le avisa por su chat, con tu razón."),
    "agreements.sent": N_("Acuerdos en camino a su chat."),
    "concern.handled": N_("Marcada como atendida."),
    "rules.saved": N_("Reglas guardadas. Las ve en «Tus derechos y reglas»."),
    "note.added": N_("Nota guardada. La ve el equipo del caso, no el chat."),
    "handover.read": N_("Listo: la nota de entrega queda en el historial del caso."),
    "staff.added": N_("Cuenta creada. Dale su contraseña en persona."),
    "staff.deactivated": N_("Cuenta desactivada. Sus sesiones se cerraron."),
    "staff.reactivated": N_("Cuenta activada de nuevo."),
    "staff.password_reset": N_("Contraseña nueva guardada. Sus sesiones se cerraron."),
    "staff.logged_out": N_("Se cerraron todas sus sesiones."),
    "home.added": N_("Casa agregada."),
    "home.updated": N_("Cambios de la casa guardados."),
    "consent.published": N_("Texto publicado."),
    "consent.asks_again": N_(
        "Versión nueva publicada: se les volverá a pedir el consentimiento a todos."
    ),
    "account.language": N_("Idioma guardado."),
    "account.password": N_("Contraseña cambiada. Tus otras sesiones se cerraron."),
    "account.session_ended": N_("Sesión cerrada en ese equipo."),
    "staff.second_factor_reset": N_(
        "Segundo factor quitado. Configurará uno nuevo la próxima vez que entre."
    ),
    "term.added": N_("Término agregado. Cuenta desde el próximo mensaje."),
    "term.deactivated": N_("Término desactivado."),
    "voice.attached": N_("Grabación guardada."),
    "voice.removed": N_("Grabación quitada."),
    # Translators: after saving a translation in the translation workspace.
    "translation.saved": N_("Traducción guardada. Otra persona hablante tiene que revisarla."),
    # Translators: after reviewing someone else's translation.
    "translation.reviewed": N_("Revisada. El chat la usa desde el próximo mensaje."),
    # Translators: after reviewing a risk term someone else added.
    "term.reviewed": N_("Término revisado."),
    # Translators: after saving how unready languages appear in the chat's language menu.
    "languages.mode": N_("Guardado. El menú de idiomas del chat cambia desde el próximo mensaje."),
    # Translators: after saving the languages a person speaks or translates.
    "staff.languages": N_("Idiomas guardados."),
    "logged_out_everywhere": N_("Se cerraron todas tus sesiones."),
    "logged_out": N_("Sesión cerrada."),
    "expired": N_("Tu sesión terminó. Entra de nuevo."),
}

PROBLEMS: dict[str, str] = {
    "validation_failed": N_("Revisa los datos: algo no es válido."),
    "case_closed": N_("El caso está cerrado: ya no se puede cambiar."),
    "consent_missing": N_("No hay consentimiento vigente: no se le puede escribir."),
    "chat_not_linked": N_("No tiene un chat vinculado: dale un código para vincularlo."),
    "appointment_in_past": N_("Esa fecha ya pasó. Elige una fecha futura."),
    "appointment_closed": N_("Esa cita ya terminó o fue cancelada."),
    "step_not_done": N_("El paso todavía no está marcado como hecho."),
    "invalid_transition": N_("Ese cambio ya no es posible; quizá alguien lo hizo antes."),
    "form.missing": N_("Falta un dato obligatorio."),
    "form.too_long": N_("Un texto es demasiado largo."),
    "form.number": N_("Un número no es válido."),
    "form.choice": N_("Una opción no es válida."),
    "form.date": N_("Una fecha no es válida."),
    "form.datetime": N_("La fecha u hora no es válida."),
    "form.confirm": N_("Marca la casilla para confirmar."),
    "form.reason": N_("Escribe la razón: ella o él la va a leer."),
    "form.time": N_("Una hora no es válida."),
    "form.numbers": N_(
        "Escribe de 1 a 6 números de emergencia, uno por línea: nombre, dos puntos y número."
    ),
    "form.password_short": N_("La contraseña necesita al menos 10 caracteres."),
    "form.password_mismatch": N_("Las dos contraseñas nuevas no son iguales."),
    "form.file": N_("Elige un archivo de audio."),
    "form.timezone": N_("Esa zona horaria no existe. Elige una de la lista."),
    "form.home_needed": N_("Operadores y coordinación trabajan en una casa: elige cuál."),
    "form.self": N_("No puedes desactivar tu propia cuenta."),
    "form.voice_key": N_(
        "La clave no es válida: palabras en minúsculas unidas por dos puntos, como «menu» "
        "o «consent:messaging:2»."
    ),
    "duplicate_name": N_("Ya existe uno igual."),
    "case.number_unknown": N_(
        "No hay un caso con ese número entre los tuyos. Revisa el número y prueba otra vez."
    ),
    "case.number_taken": N_("Ese número de caso ya existe. Revisa el número o abre ese caso."),
    "form.case_number": N_(
        "El número de caso lleva solo letras sin acentos, números y los signos - / . _ "
        "(hasta 32, sin espacios)."
    ),
    "form.operator": N_("Elige un(a) operador(a) de referencia activo(a) de esa casa."),
    "form.age": N_("Rumbo es para adolescentes de 10 a 21 años: revisa la fecha de nacimiento."),
    "wrong_password": N_("La contraseña actual no es correcta."),
    "second_factor_on": N_("El segundo factor ya está activo."),
    "role_refused": N_("Ese cambio no le toca a tu papel en el equipo. Pídeselo a su operador(a)."),
    "handover_note_missing": N_(
        "Escribe la nota de entrega: qué está abierto y qué le importa, para quien lo recibe."
    ),
    "login_throttled": N_("Demasiados intentos. Espera unos minutos y prueba otra vez."),
    "invalid_voice_prompt": N_(
        "El archivo no sirve: tiene que ser una grabación OGG/Opus de 1 MB como máximo."
    ),
    # Translators: a translator tried to review their own translation or term.
    "own_review": N_("Nadie revisa su propio texto: la revisión la hace otra persona hablante."),
    # Translators: a translation lost or added a placeholder such as {name}.
    "translation_placeholders": N_(
        "La traducción tiene que llevar los mismos marcadores que el español, como {name}."
    ),
    # Translators: a translated button of a WhatsApp template is too long.
    "template_button_long": N_("Un botón de WhatsApp lleva 20 letras como máximo."),
    # Translators: an uploaded or recorded file could not be read as audio.
    "form.audio": N_("No se pudo leer el audio. Graba otra vez o sube otro archivo."),
    "plan_store_error": N_("No se pudo guardar. Intenta de nuevo."),
}


def notice_text(t: Translator, kind: str, code: str) -> str:
    table = DONE if kind == "ok" else PROBLEMS
    text = table.get(code) or PROBLEMS["plan_store_error"]
    return t.gettext(text)
