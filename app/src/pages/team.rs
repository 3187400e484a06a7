//! `/team` (members, roles, invitations) and `/invitations/accept` (joining from a link).
//! Every action is a form that works without JavaScript; removing someone asks first.

use crate::loading::load;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::{
    problem_page, successes, Field, FormAlert, FormFailure, LoadingPage, Notice, StorePage, SubmitButton,
    TopBar,
};
use crate::error::AppError;
use crate::form_key::{self, FormKey};
use crate::pages::products::{BUTTON, SECONDARY};
use crate::team::{
    get_invitation, get_team, ChangeMemberRole, Delivery, InvitationPage, InviteMember, RemoveMember,
    RevokeInvitation, TeamPage, ROLES, ROLE_HELP,
};

#[component]
pub fn TeamPage() -> impl IntoView {
    let query = use_query_map();
    let invite = ServerAction::<InviteMember>::new();
    let change = ServerAction::<ChangeMemberRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let changes = [successes(invite), successes(change), successes(remove), successes(revoke)];
    let page = load(move || changes.map(|count| count.get()), |_| get_team());
    let notice = move || {
        query.with(|q| {
            [("saved", "Role changed."), ("removed", "Member removed."), ("revoked", "Invitation withdrawn.")]
                .into_iter()
                .find(|(key, _)| q.get(key).is_some())
                .map(|(_, message)| message)
        })
    };
    view! {
        <StorePage title="Team" data=page show=move |page| view! { <TeamView page invite change remove revoke notice=notice()/> }/>
    }
}

#[component]
fn TeamView(
    page: TeamPage,
    invite: ServerAction<InviteMember>,
    change: ServerAction<ChangeMemberRole>,
    remove: ServerAction<RemoveMember>,
    revoke: ServerAction<RevokeInvitation>,
    notice: Option<&'static str>,
) -> impl IntoView {
    // A refused role change, removal or withdrawal, whichever happened last.
    let action_failure = Signal::derive(move || {
        [
            change.value().get().and_then(Result::err),
            remove.value().get().and_then(Result::err),
            revoke.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
    });
    let (can_manage, is_owner, form_key) = (page.can_manage, page.is_owner, page.form_key.clone());
    let grantable = move |role: &str| is_owner || role != "owner";
    view! {
        <TopBar store_name=page.store_name.clone()/>
        <main class="mx-auto max-w-4xl px-4 py-8">
            <h1 class="text-2xl font-semibold">"Team"</h1>
            <p class="mt-1 text-sm text-slate-600">{ROLE_HELP}</p>
            {notice.map(|message| view! { <div class="mt-4"><Notice message/></div> })}
            {page.new_link.map(|link| view! {
                <div class="mt-4 rounded-md border border-emerald-200 bg-emerald-50 p-4 text-sm text-emerald-950" role="status" data-testid="invitation-link">
                    <p>{match link.delivery {
                        Delivery::Mailed => format!("Invitation mailed to {}. The same link, if you want to send it yourself (it works once, for 7 days):", link.email),
                        Delivery::MailFailed => format!("Invitation made for {}, but the mail could not be sent. Send them this link yourself (it works once, for 7 days):", link.email),
                        Delivery::NoMail => format!("Invitation made for {}. Send them this link (it works once, for 7 days):", link.email),
                    }}</p>
                    <input type="text" readonly=true value=link.url aria-label="Invitation link"
                        class="mt-2 block w-full rounded-md border border-emerald-300 bg-white px-2 py-1.5 font-mono text-xs"/>
                    {(link.delivery == Delivery::NoMail).then(|| view! { <p class="mt-1 text-xs">"This server sends no mail; the link is shown only now."</p> })}
                </div>
            })}
            <div class="mt-4"><FormAlert failure=action_failure/></div>
            <section aria-labelledby="members-heading" class="mt-6">
                <h2 id="members-heading" class="text-lg font-medium">"Members"</h2>
                <ul class="mt-2 divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white shadow-sm" data-testid="members">
                    {page.members.into_iter().map(|member| {
                        let manageable = can_manage && grantable(&member.role);
                        let id = member.account_id.to_string();
                        let (remove_id, email) = (id.clone(), member.email.clone());
                        view! {
                            <li class="flex flex-wrap items-center justify-between gap-3 px-4 py-3">
                                <div>
                                    <p class="font-medium">{member.email.clone()}{member.is_you.then_some(" (you)")}</p>
                                    <p class="text-xs text-slate-500">{format!("Joined {}", member.joined_at.format("%Y-%m-%d"))}</p>
                                </div>
                                {if manageable {
                                    let current = member.role.clone();
                                    view! {
                                        <div class="flex flex-wrap items-center gap-2">
                                            <ActionForm action=change attr:class="flex items-center gap-2">
                                                <input type="hidden" name="account_id" value=id.clone()/>
                                                <label class="sr-only" for=format!("role-{id}")>{format!("Role of {}", member.email)}</label>
                                                <select id=format!("role-{id}") name="role" class="rounded-md border border-slate-300 px-2 py-1.5 text-sm">
                                                    {ROLES.into_iter().filter(|(value, _)| grantable(value)).map(|(value, label)| view! {
                                                        <option value=value selected=current == value>{label}</option>
                                                    }).collect_view()}
                                                </select>
                                                <button type="submit" class=SECONDARY>"Change role"</button>
                                            </ActionForm>
                                            <details class="relative">
                                                <summary class="cursor-pointer rounded-md px-2 py-1.5 text-sm text-red-700 hover:bg-red-50">"Remove…"</summary>
                                                <div class="absolute right-0 z-10 mt-1 w-64 rounded-md border border-slate-200 bg-white p-3 text-sm shadow-lg">
                                                    <p>{format!("Remove {email} from this store? Their account and other stores stay.")}</p>
                                                    <ActionForm action=remove attr:class="mt-2">
                                                        <input type="hidden" name="account_id" value=remove_id/>
                                                        <button type="submit" class="rounded-md bg-red-600 px-3 py-1.5 font-medium text-white hover:bg-red-700 focus:outline-none focus:ring-2 focus:ring-red-500">
                                                            {format!("Remove {email}")}
                                                        </button>
                                                    </ActionForm>
                                                </div>
                                            </details>
                                        </div>
                                    }.into_any()
                                } else {
                                    view! { <span class="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700">{member.role}</span> }.into_any()
                                }}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
            {can_manage.then(|| view! {
                <InviteForm invite is_owner form_key/>
                <section aria-labelledby="invitations-heading" class="mt-8">
                    <h2 id="invitations-heading" class="text-lg font-medium">"Open invitations"</h2>
                    {if page.invitations.is_empty() {
                        view! { <p class="mt-2 text-sm text-slate-600">"No open invitations."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="mt-2 divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white" data-testid="invitations">
                                {page.invitations.into_iter().map(|invitation| view! {
                                    <li class="flex flex-wrap items-center justify-between gap-3 px-4 py-3 text-sm">
                                        <p>{invitation.email.clone()}" · "{invitation.role}
                                            <span class="text-slate-500">{format!(" · until {}", invitation.expires_at.format("%Y-%m-%d %H:%M UTC"))}</span></p>
                                        <ActionForm action=revoke>
                                            <input type="hidden" name="id" value=invitation.id.to_string()/>
                                            <button type="submit" class=SECONDARY>{format!("Withdraw the invitation of {}", invitation.email)}</button>
                                        </ActionForm>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </section>
            })}
        </main>
    }
}

#[component]
fn InviteForm(invite: ServerAction<InviteMember>, is_owner: bool, form_key: String) -> impl IntoView {
    let form = FormFailure::of(invite);
    let (failure, field_error) = (form.error(), move |field| form.field(field));
    let email = form.typed("email").unwrap_or_default();
    // A refused submission comes back with its key: trying again cannot invite twice.
    let form_key = form.typed(form_key::FIELD).unwrap_or(form_key);
    let role = form.typed("role").unwrap_or_else(|| "member".into());
    view! {
        <section aria-labelledby="invite-heading" class="mt-8">
            <h2 id="invite-heading" class="text-lg font-medium">"Invite someone"</h2>
            <ActionForm action=invite attr:class="mt-2 space-y-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm" attr:novalidate=true>
                <FormAlert failure/>
                <FormKey key=form_key/>
                <Field label="Email" name="email" kind="email" max_chars=field_limits::EMAIL required=true error=field_error("email") value=email autocomplete="off"/>
                <div>
                    <label for="field-role" class="block text-sm font-medium">"Role"</label>
                    <select id="field-role" name="role" class="mt-1 block w-full rounded-md border border-slate-300 px-2 py-2">
                        {ROLES.into_iter().filter(|(value, _)| is_owner || *value != "owner").map(|(value, label)| view! {
                            <option value=value selected=role == value>{label}</option>
                        }).collect_view()}
                    </select>
                </div>
                <SubmitButton label="Make invitation link" pending=invite.pending()/>
            </ActionForm>
        </section>
    }
}

/// `/invitations/accept?token=…`: who invites whom to what, and the way in.
#[component]
pub fn AcceptInvitationPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.with(|q| q.get("token").unwrap_or_default());
    let invitation = load(
        move || (token(), query.with(|q| q.get("error"))),
        |(token, error)| get_invitation(token, error),
    );
    view! {
        <Title text="Join a store"/>
        <Suspense fallback=LoadingPage>
            {move || Suspend::new(async move {
                match invitation.await {
                    Ok(invitation) => view! { <AcceptForm invitation token=token()/> }.into_any(),
                    Err(error @ AppError::Invalid(_)) => view! {
                        <TopBar/>
                        <main class="mx-auto max-w-md px-4 py-12">
                            <h1 class="text-2xl font-semibold">"Join a store"</h1>
                            <p role="alert" class="mt-4 rounded-md border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900">{error.to_string()}</p>
                        </main>
                    }.into_any(),
                    Err(error) => problem_page(error, "Join a store"),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AcceptForm(invitation: InvitationPage, token: String) -> impl IntoView {
    let error = invitation.failure.clone();
    let (label, hint, autocomplete) = if invitation.has_account {
        ("Your password", None, "current-password")
    } else {
        ("Choose a password", Some(invitation.password_rules.clone()), "new-password")
    };
    let has_error = error.is_some();
    view! {
        <TopBar/>
        <main class="mx-auto max-w-md px-4 py-12">
            <h1 class="text-2xl font-semibold">{format!("Join {}", invitation.store_name)}</h1>
            <p class="mt-2 text-slate-700">{format!("You are invited as {} with the email {}.", invitation.role, invitation.email)}</p>
            {error.map(|message| view! {
                <p id="join-error" role="alert" class="mt-4 rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800">{message}</p>
            })}
            <form method="post" action="/invitations/accept" class="mt-6 space-y-4">
                <input type="hidden" name="token" value=token/>
                {(!invitation.signed_in_as_invitee).then(|| view! {
                    <div>
                        <label for="password" class="block text-sm font-medium">{label}</label>
                        {hint.map(|hint| view! { <p id="password-rules" class="mt-0.5 text-xs text-slate-600" data-testid="password-rules">{hint}</p> })}
                        <input id="password" name="password" type="password" maxlength=field_limits::PASSWORD required=true autocomplete=autocomplete
                            minlength=if invitation.has_account { "1" } else { "12" }
                            aria-describedby=if invitation.has_account { if has_error { "join-error" } else { "" } } else if has_error { "password-rules join-error" } else { "password-rules" }
                            aria-invalid=has_error.then_some("true")
                            class="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500"/>
                    </div>
                })}
                <button type="submit" class=BUTTON>{format!("Join {}", invitation.store_name)}</button>
            </form>
        </main>
    }
}
