#!/usr/bin/env python3
"""Drives the pages in a real headless Chromium and saves phone-sized screenshots.

Usage: scripts/browser-smoke.py BASE_URL OUT_DIR   (needs Debian's chromium, chromium-driver,
fonts-wqy-zenhei and `pip install selenium`). Exits non-zero when a page does not behave.
"""
import re
import os
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

base, out = sys.argv[1].rstrip("/"), sys.argv[2]
os.makedirs(out, exist_ok=True)
options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=390,900", "--lang=zh-CN"]:
    options.add_argument(flag)
options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


def submit(selector):
    """Clicks a button or link and waits for the next page: a sign-in spends a bcrypt check, and
    reading the page before it arrives would test the old one."""
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, selector).click()

    def replaced(_):
        # mid-navigation Chromium may also answer "node does not belong to the document"
        try:
            old.is_enabled()
            return False
        except WebDriverException:
            return True

    WebDriverWait(driver, 20).until(replaced)


def shot(name):
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(390, max(900, height))
    driver.save_screenshot(os.path.join(out, name + ".png"))
    driver.set_window_size(390, 900)


def open_hall(name="杭州市西湖区政务服务中心"):
    """The halls' list (nearest first to whoever reads it), then one hall's own page."""
    driver.get(base + "/halls")
    driver.get(driver.find_element(By.XPATH, "//a[strong='%s']" % name).get_attribute("href"))


def sign_in(login, password="Tongban-demo-2026"):
    driver.get(base + "/login")
    driver.find_element(By.ID, "login").send_keys(login)
    driver.find_element(By.ID, "password").send_keys(password)
    submit("form[action='/login'] button")


def apply_for_residence_permit(first_time):
    """The signed-in person applies for a residence permit with its form and materials."""
    driver.get(base + "/catalog?q=居住证&region=330106")
    submit("ul.results a.result-name")
    submit("a[href^='/apply?item=']")
    check("在线申请" in driver.title or "申请表" in driver.page_source, "the apply page shows the item's form")
    check("使用我的电子证照：居民身份证" in driver.page_source, "the apply page offers the person's e-ID card instead of a copy")
    if first_time:
        check("来源：实名认证信息（不可修改）" in driver.page_source, "the form comes with the person's verified identity filled in and locked (只询问一次)")
        # the form came filled in: one answer taken out again, and no file chosen
        driver.execute_script("document.getElementById('f_mobile').value = ''")
    submit("form[action='/apply'] button")
    if first_time:
        check("请填写" in driver.page_source and "请先上传" in driver.page_source, "an application without an answer and its materials is refused, each field and material named")
        shot("apply-errors")
    values = {"identityNumber": "330106199003071236", "creditCode": "91330106MA2KXTW08L", "mobile": "13800138000", "region": "330106",
              "address": "杭州市西湖区文三路90号", "number": "10", "date": "2026-12-01", "text": "张晓明"}
    for field in driver.find_elements(By.CSS_SELECTOR, "form[action='/apply'] input[data-kind], form[action='/apply'] select[data-kind]"):
        kind = field.get_attribute("data-kind")
        if field.get_attribute("readonly"):
            continue
        if field.tag_name == "select":
            field.find_elements(By.TAG_NAME, "option")[1].click()
        else:
            field.clear()
            driver.execute_script("arguments[0].value = arguments[1]", field, values.get(kind, "测试"))
    for upload in driver.find_elements(By.CSS_SELECTOR, "form[action='/apply'] input[type=file]"):
        upload.send_keys(pdf)
    if first_time:
        shot("apply-filled")
    submit("form[action='/apply'] button")


try:
    driver.get(base + "/")
    check("一网通办" in driver.page_source, "home page in Chinese")
    shot("home")

    # a registration with mistakes: field messages, values kept
    driver.get(base + "/register/person")
    driver.find_element(By.ID, "name").send_keys("测试用户")
    driver.find_element(By.ID, "identityNumber").send_keys("110105194912310021")
    driver.find_element(By.ID, "mobile").send_keys("12345")
    driver.find_element(By.ID, "password").send_keys("short")
    driver.find_element(By.ID, "passwordConfirm").send_keys("short")
    submit("button[type=submit]")
    check("校验位不正确" in driver.page_source, "wrong check character explained")
    check(driver.find_element(By.ID, "name").get_attribute("value") == "测试用户", "typed name kept")
    shot("register-errors")

    # sign in as the demo person and see the account page
    sign_in("330106199003071236", "Tongban-demo-2026")
    check(driver.current_url.endswith("/account"), "signed in lands on the account page")
    check("张晓明" in driver.page_source and "330106199003071236" in driver.page_source, "owner sees own identity number")
    shot("account")

    # English
    submit("a.lang")
    check("My account" in driver.page_source, "language switch to English keeps the page")
    shot("account-en")

    submit("form[action='/logout'] button")
    check("/account" not in driver.current_url, "signed out")

    # the system admin's staff page: add a reviewer through the form
    driver.get(base + "/lang/zh-CN?back=/login")
    driver.find_element(By.ID, "login").send_keys("admin")
    driver.find_element(By.ID, "password").send_keys("Tongban-demo-2026")
    submit("form[action='/login'] button")
    submit("a[href='/admin/staff']")
    check("陈审批" in driver.page_source, "staff directory lists the region's staff")
    driver.find_element(By.ID, "username").send_keys("smoke.reviewer")
    driver.find_element(By.ID, "displayName").send_keys("冒烟测试")
    for option in driver.find_elements(By.CSS_SELECTOR, "#departmentID option"):
        if option.text == "杭州市公安局西湖区分局":
            option.click()
    driver.find_element(By.CSS_SELECTOR, "input[name='roles[]'][value='reviewer']").click()
    driver.find_element(By.ID, "password").send_keys("Smoke-test-2026")
    submit("form[action='/admin/staff'] button")
    check("done=created" in driver.current_url and "冒烟测试" in driver.page_source, "staff member added through the form")
    shot("staff")
    submit("form[action='/logout'] button")

    # the catalog: a two-character search, a guide, a bundle's questionnaire
    driver.get(base + "/catalog?q=社保&region=330000")
    check("社会保障卡申领" in driver.page_source, "two-character search finds the social security card")
    shot("catalog-search")
    submit("ul.results a.result-name")
    check("申请材料" in driver.page_source and "办理流程" in driver.page_source, "a guide shows materials and procedure")
    shot("guide")
    driver.get(base + "/catalog/bundles/ZJ-YJS-CYDK")
    for name, value in [("entity", "company"), ("signboard", "no"), ("gathering", "yes"), ("tobacco", "yes")]:
        driver.find_element(By.CSS_SELECTOR, f"input[name='{name}'][value='{value}']").click()
    submit("form[action='/catalog/bundles/ZJ-YJS-CYDK'] button")
    check("烟草专卖零售许可证核发" in driver.page_source and "为您节省" in driver.page_source, "bundle questionnaire yields the items and the saving")
    shot("bundle")

    # a catalog administrator edits an item: draft, diff, a refused standard-field change, publication
    sign_in("catalog", "Tongban-demo-2026")
    submit("a[href='/admin/catalog']")
    driver.get(base + "/admin/catalog?q=食品经营许可")
    submit("ul.results a.result-name")
    edit_url = driver.current_url
    driver.execute_script("const t = document.getElementById('document'); t.value = t.value.replace(/\"promisedDays\" : \\d+/, '\"promisedDays\" : 2');")
    submit("form[action^='/admin/catalog/items?'] button")
    check("草稿已保存" in driver.page_source and "promisedDays" in driver.page_source, "draft saved and the change shown against the published version")
    shot("admin-catalog-draft")
    # the item's own name (two spaces in), not the department's
    driver.execute_script("const t = document.getElementById('document'); t.value = t.value.replace(/\\n  \"name\" : \"[^\"]+\"/, '\\n  \"name\" : \"改过的名称\"');")
    submit("form[action^='/admin/catalog/items?'] button")
    submit("form[action$='/publish'] button")
    check("不能发布" in driver.page_source and "不能修改基本目录的标准要素“名称”" in driver.page_source,
          "publishing a changed standard field is refused with the field named")
    shot("admin-catalog-refused")
    driver.get(edit_url)
    driver.execute_script("const t = document.getElementById('document'); t.value = t.value.replace('\"name\" : \"改过的名称\"', '\"name\" : \"食品经营许可\"');")
    submit("form[action^='/admin/catalog/items?'] button")
    submit("form[action$='/publish'] button")
    check("已发布。" in driver.page_source and "现行版本 2" in driver.page_source, "the corrected draft is published as version 2")

    # applying online and being accepted at the window: the person applies for a residence
    # permit with its form and materials, the clerk prereviews and accepts, the clock starts
    pdf = os.path.join(out, "material.pdf")
    with open(pdf, "wb") as f:
        # over 1 MB (a comment line of padding): a real scan is, and the form's CSRF check must read past it
        f.write(b"%PDF-1.4\n1 0 obj <<>> endobj\n%" + b"0" * 2_000_000 + b"\ntrailer <<>>\n%%EOF\n")
    submit("form[action='/logout'] button")
    sign_in("330106199003071236", "Tongban-demo-2026")
    apply_for_residence_permit(True)
    check("/applications/" in driver.current_url and "已提交，待预审" in driver.page_source, "submitted: the application page shows its number and state")
    number = driver.find_element(By.CSS_SELECTOR, "p.lead strong").text
    code_match = re.search(r"查询码[^：]*：([0-9A-Z]{4}-[0-9A-Z]{4})", driver.page_source)
    check(code_match is not None, "the applicant's page shows the lookup code (查询码) given at submission")
    access_code = code_match.group(1) if code_match else ""
    check(len(number) == 26 and number.startswith("330106-"), f"application number {number}")
    shot("application-submitted")
    submit("form[action='/logout'] button")
    sign_in("clerk", "Tongban-demo-2026")
    submit("a[href='/desk']")
    check(number in driver.page_source, "the clerk's desk lists the new application")
    shot("desk")
    driver.find_element(By.LINK_TEXT, number).click()
    submit("form.action input[value='passPrereview'] ~ button")
    submit("form.action input[value='accept'] ~ button")
    check("审查中" in driver.page_source and "个工作日" in driver.page_source, "accepted: under review, with working days used and left")
    check("首问负责人：王晓窗" in driver.page_source, "首问负责: the clerk who first acted on it owns it, named on the page")
    shot("application-accepted")
    driver.get(base + f"/applications/{driver.current_url.split('/applications/')[1].split('?')[0]}/notices/acceptance")
    check("受理通知书" in driver.page_source and number in driver.page_source, "the acceptance notice carries the number")
    shot("notice-acceptance")
    application_url = driver.current_url.split("/notices/")[0]
    # 帮办: the clerk finds the person at the window by their card, then the items the window takes in
    driver.get(base + "/desk/walk-in")
    driver.find_element(By.ID, "identityNumber").send_keys("330106199003071236")
    driver.find_element(By.ID, "purpose").send_keys("冒烟测试帮办")
    submit("form[action='/desk/walk-in'] button")
    check("已找到账户" in driver.page_source and "张晓明" in driver.page_source, "帮办: the walk-in is found by the number on their card, with a purpose")
    driver.find_element(By.ID, "q").send_keys("社会保障卡")
    submit("form[action='/desk/walk-in/items'] button")
    check("代为申请：社会保障卡申领" in driver.page_source, "帮办: the district's window lists the city's 社会保障卡申领 to apply for (收受分离)")
    shot("walk-in-items")
    submit("form[action='/logout'] button")
    # the police reviewer added above finds the task in the inbox, completes it and decides
    sign_in("smoke.reviewer", "Smoke-test-2026")
    submit("a[href='/inbox']")
    check(number in driver.page_source, "the reviewer's inbox lists the task")
    shot("inbox")
    driver.find_element(By.LINK_TEXT, number).click()
    driver.find_element(By.CSS_SELECTOR, "form.task-complete textarea").send_keys("材料齐全，居住地址经核实无误")
    submit("form.task-complete button")
    driver.find_element(By.CSS_SELECTOR, "form.action input[value='decide'] ~ label textarea[name=reason]").send_keys("符合居住证申领条件")
    driver.find_element(By.CSS_SELECTOR, "form.action input[value='decide'] ~ label input[name=legalBasis]").send_keys("《居住证暂行条例》第九条")
    submit("form.action input[value='decide'] ~ button")
    check("已决定" in driver.page_source and "准予" in driver.page_source, "the reviewer completes the task and approves")
    check("免提交材料" in driver.page_source and "出生日期" in driver.page_source, "the case's reviewer sees the consented ID card's data")
    shot("application-decided")
    submit("form[action='/logout'] button")
    sign_in("clerk", "Tongban-demo-2026")
    driver.get(application_url)
    check("免提交材料" in driver.page_source and "出生日期" not in driver.page_source, "the window clerk sees that the ID card was used, not its data")
    submit("form[action='/logout'] button")
    sign_in("330106199003071236", "Tongban-demo-2026")
    driver.get(base + "/account/data")
    check("杭州市公安局西湖区分局 · 冒烟测试" in driver.page_source and "居民身份证" in driver.page_source and "依您的授权" in driver.page_source,
          "the person's data access record names the reviewer who read the ID card, and why")
    shot("data-access")
    submit("#consents form button")
    check("已失效" in driver.page_source and "done=withdrawn" in driver.current_url, "the person withdraws the consent from the access record")
    submit("form[action='/logout'] button")
    driver.get(base + f"/status?number={number}&code=1236")
    check("8 位" in driver.page_source and "已决定" not in driver.page_source, "public status lookup: the identity number's tail opens nothing")
    driver.get(base + f"/status?number={number}&code={access_code.lower()}")
    check("已决定" in driver.page_source and "张晓明" not in driver.page_source, "public status lookup: the state, nothing personal")
    shot("status")

    # 补正 on the page: the clerk asks for a corrected material, the person uploads it on the
    # application page and says it is supplied; the case is back at prereview
    sign_in("330106199003071236", "Tongban-demo-2026")
    apply_for_residence_permit(False)
    second = driver.find_element(By.CSS_SELECTOR, "p.lead strong").text
    check("补交材料" not in driver.page_source, "nothing to supply while nothing is asked for")
    submit("form[action='/logout'] button")
    sign_in("clerk", "Tongban-demo-2026")
    submit("a[href='/desk']")
    driver.find_element(By.LINK_TEXT, second).click()
    submit("form.action input[value='passPrereview'] ~ button")
    driver.find_element(By.CSS_SELECTOR, "form.action input[value='requestCorrection'] ~ label textarea[name=materials]").send_keys("居住地住址证明（租赁合同或房屋产权信息）")
    submit("form.action input[value='requestCorrection'] ~ button")
    check("待补正" in driver.page_source, "the clerk requests a correction")
    check("材料清单核对" in driver.page_source and "material.pdf" in driver.page_source, "the clerk sees the checklist beside the files received")
    links = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "#checklist a[href*='/materials/']")]
    check(len(links) >= 1, "the clerk's checklist links each file received")
    case_page = driver.current_url
    if links:
        driver.get(links[0])
        check(driver.execute_script("return document.contentType") == "application/pdf", "the clerk opens the uploaded PDF in the browser")
        driver.get(case_page)
    submit("#visits button")
    check("实际跑动 1 次" in driver.page_source, "the applicant's visit is recorded and counted")
    shot("application-clerk-checklist")
    submit("form[action='/logout'] button")
    sign_in("330106199003071236", "Tongban-demo-2026")
    submit("a[href='/applications']")
    driver.find_element(By.LINK_TEXT, second).click()
    check("补交材料" in driver.page_source and "居住地住址证明" in driver.page_source, "the applicant is offered the upload, the material named")
    for option in driver.find_elements(By.CSS_SELECTOR, "#materials select[name=key] option"):
        if "居住地住址证明" in option.text:
            option.click()
    driver.find_element(By.CSS_SELECTOR, "#materials input[type=file]").send_keys(pdf)
    submit("#materials button")
    check(driver.page_source.count("material.pdf") >= 2, "the uploaded material is listed in the checklist")
    shot("application-correction")
    submit("form.action input[value='supplyCorrection'] ~ button")
    check("预审通过，待受理" in driver.page_source, "supplied: the case is back at the window")

    # data sharing: the market regulator asks for the marital status in the population data; the
    # police's data administrator approves; the regulator registers a system and sees its key once
    submit("form[action='/logout'] button")
    sign_in("data.amr", "Tongban-demo-2026")
    submit("a[href='/data']")
    check("数据资源目录" in driver.page_source and "不予共享" in driver.page_source, "the data-sharing catalog lists the resources and their classes")
    driver.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
    form = driver.find_element(By.CSS_SELECTOR, "form.grant-request input[name=resource][value=population_basic]").find_element(By.XPATH, "..")
    form.find_element(By.CSS_SELECTOR, "input[name='fields[]'][value=maritalStatus]").click()
    form.find_element(By.NAME, "purpose").send_keys("个体工商户设立登记：核验家庭经营者婚姻状况")
    form.find_element(By.NAME, "legalBasis").send_keys("《促进个体工商户发展条例》第九条")
    old = driver.find_element(By.TAG_NAME, "html")
    form.find_element(By.CSS_SELECTOR, "button").click()
    WebDriverWait(driver, 20).until(lambda _: "done=requested" in driver.current_url)
    check("待审批" in driver.page_source, "the request is listed as pending")
    submit("form[action='/logout'] button")
    sign_in("data.police", "Tongban-demo-2026")
    submit("a[href='/data']")
    check("待本部门审批" in driver.page_source and "婚姻状况" in driver.page_source, "the owner's data administrator sees the request")
    shot("data-sharing-pending")
    submit("#pending button[value=approve]")
    submit("form[action='/logout'] button")
    sign_in("data.amr", "Tongban-demo-2026")
    submit("a[href='/data']")
    check("已授权" in driver.page_source, "the regulator's request is granted")
    driver.find_element(By.CSS_SELECTOR, "#clients input[name=name]").send_keys("个体登记审批系统")
    submit("#clients button")
    check("tbk_" in driver.find_element(By.CSS_SELECTOR, "#new-key").text, "the new system's key is shown once")
    shot("data-sharing-client")
    # its events pushed to that system: a subscription made on the webhooks page, the secret shown once
    submit("a[href='/webhooks']")
    driver.find_element(By.CSS_SELECTOR, "#subscribe input[name=url]").send_keys("https://amr.example.cn/tongban/events")
    driver.find_element(By.CSS_SELECTOR, "#subscribe input[value='license.*']").click()
    driver.find_element(By.CSS_SELECTOR, "#subscribe input[value='case.*']").click()
    submit("#subscribe button[type=submit]")
    check("whsec_" in driver.find_element(By.CSS_SELECTOR, "#new-secret").text, "the webhook's signing secret is shown once")
    check("license.*" in driver.find_element(By.CSS_SELECTOR, "#subscriptions").text, "the subscription is listed with its topics")
    shot("webhooks")
    submit("form[action='/logout'] button")
    sign_in("330106199003071236", "Tongban-demo-2026")

    # the first permit was approved: an e-licence in the person's wallet, verifiable by anyone
    submit("a[href='/licenses']")
    check("居住证" in driver.page_source and "有效" in driver.page_source, "the wallet holds the residence permit, valid")
    shot("wallet")
    submit("ul.results a.result-name")
    check("核验地址" in driver.page_source and "/verify?id=1.2.156.3005.2." in driver.page_source, "the printable licence carries its verification link")
    shot("license-print")
    link = driver.find_element(By.CSS_SELECTOR, "article a.code").get_attribute("href")
    submit("form[action='/logout'] button")
    driver.get(link.replace("http://127.0.0.1:8080", base))
    check("证照有效" in driver.page_source and "居住证" in driver.page_source and "张晓明" not in driver.page_source,
          "the verification link shows anyone a valid licence, but not its holder")
    shot("verify-valid")
    driver.find_element(By.ID, "token").send_keys("eyJhbGciOiJFZERTQSJ9.e30.AAAA")
    submit("form[action='/verify'] button")
    check("签名" in driver.page_source or "不是一份完整" in driver.page_source, "a forged token is refused with its reason")
    shot("verify-invalid")

    # the hall (the server runs with TONGBAN_CLOCK at 10:00 on a working day): a kiosk
    # ticket, an online ticket and a booking, the clerk calling at a window, the display, the figures
    driver.get(base + "/halls")
    check(all(h in driver.page_source for h in ["杭州市民中心", "杭州市西湖区政务服务中心", "西溪街道便民服务中心"]) and "就近办" in driver.page_source,
          "the halls' list names the city's hall, the district's centre and the street centre (就近办)")
    shot("halls")
    open_hall()
    check("杭州市西湖区政务服务中心" in driver.page_source and "办公中" in driver.page_source, "the hall page shows it open with its queues")
    submit("a[href*='/halls/'][href$='/kiosk']")
    submit(".kiosk form:nth-of-type(2) button")
    kiosk_ticket = driver.find_element(By.CSS_SELECTOR, ".ticket-number").text
    kiosk_url = driver.current_url
    check(kiosk_ticket.startswith("B0"), "the kiosk hands out a B ticket")
    check("前面还有" in driver.page_source, "the ticket shows the people ahead")
    shot("hall-ticket")
    sign_in("330106199003071236", "Tongban-demo-2026")
    open_hall()
    submit("ul.queues form button")
    check("A0" in driver.find_element(By.CSS_SELECTOR, ".ticket-number").text, "the person takes an A ticket online")
    open_hall()
    driver.find_element(By.CSS_SELECTOR, "#book input[name=item]").send_keys("NOT-AN-ITEM")
    submit("#book form[method=post] button")
    check("找不到该事项" in driver.page_source, "booking an unknown item is refused in Chinese")
    shot("hall")
    submit("form[action='/logout'] button")
    sign_in("clerk.hall", "Tongban-demo-2026")
    open_hall()
    submit("a[href*='/halls/'][href$='/desk']")
    submit("button[value=open]")
    submit("button[value=call]")
    check(driver.find_element(By.CSS_SELECTOR, ".ticket-number").text == kiosk_ticket, "window 1 (comprehensive) calls the kiosk's ticket, taken first")
    shot("hall-desk")
    submit("button[value=served]")
    check("叫下一位" in driver.page_source, "after serving, the clerk can call the next")
    open_hall()
    submit("a[href*='/halls/'][href$='/display']")
    check("正在叫号" in driver.page_source and "已叫号" in driver.page_source, "the display lists the calls")
    driver.set_window_size(1280, 720)
    driver.save_screenshot(os.path.join(out, "hall-display.png"))
    driver.set_window_size(390, 900)
    driver.get(base + "/")
    submit("form[action='/logout'] button")
    sign_in("supervisor", "Tongban-demo-2026")
    open_hall()
    submit("a[href*='/halls/'][href$='/statistics']")
    check("建议窗口" in driver.page_source and "<svg" in driver.page_source, "the figures show the staffing advice and its chart")
    shot("hall-statistics")

    # the hall's manager (the system administrator): a mistyped Saturday refused in Chinese, then
    # longer Saturday hours saved and shown on the hall page
    submit("form[action='/logout'] button")
    sign_in("admin", "Tongban-demo-2026")
    open_hall()
    submit("a[href*='/halls/'][href$='/manage']")
    check("value=\"08:30-19:30\"" in driver.page_source, "the manager's form shows the hall's hours")
    saturday = driver.find_element(By.CSS_SELECTOR, "input[name=hours6]")
    saturday.clear()
    saturday.send_keys("9:00-12:30")
    submit("form.hall-manage button[type=submit]")
    check("星期六的开放时间格式不对" in driver.page_source, "a mistyped span is refused, in Chinese, at its weekday")
    shot("hall-manage-error")
    saturday = driver.find_element(By.CSS_SELECTOR, "input[name=hours6]")
    saturday.clear()
    saturday.send_keys("09:00-12:30")
    submit("form.hall-manage button[type=submit]")
    check("已保存大厅设置" in driver.page_source, "the setup is saved")
    shot("hall-manage")
    open_hall()
    check("09:00-12:30" in driver.page_source, "the hall page shows the new Saturday hours")

    # 一次一评: the kiosk ticket's holder rates the served visit through its link; the bad rating
    # reaches the centre's follow-up desk
    submit("form[action='/logout'] button")
    driver.get(kiosk_url)
    submit("a[href$='/rating']")
    driver.find_element(By.CSS_SELECTOR, "input[name=level][value='2']").click()
    submit("form[action$='/rating'] button")
    check("不满意的原因" in driver.page_source and "至少选择一项原因" in driver.page_source, "a bad rating without a reason is refused, in Chinese")
    driver.find_element(By.CSS_SELECTOR, "input[name=level][value='2']").click()
    driver.find_element(By.CSS_SELECTOR, "input[name='reasons[]'][value='attitude']").click()
    driver.find_element(By.CSS_SELECTOR, "textarea[name=comment]").send_keys("窗口人员未说明补正要求")
    submit("form[action$='/rating'] button")
    check("感谢您的评价" in driver.page_source and "待回访" in driver.page_source, "the rating is saved and its follow-up opened")
    shot("rating")
    sign_in("clerk.hall", "Tongban-demo-2026")
    submit("a[href='/follow-ups']")
    check("窗口人员未说明补正要求" in driver.page_source and "记录回访" in driver.page_source, "the centre's clerk sees the follow-up to call back")
    shot("follow-ups")

    # 电子监察: the public page without signing in; the supervisor's dashboard; its CSV link
    submit("form[action='/logout'] button")
    driver.get(base + "/transparency")
    check("按时办结率" in driver.page_source and "一次办" in driver.page_source and "<svg" in driver.page_source
          and "部门排名" in driver.page_source, "the public figures show rates, the trend and the departments without signing in")
    shot("transparency")
    driver.get(base + "/transparency?from=2026-12-01&to=2026-01-01")
    check("开始日期晚于结束日期" in driver.page_source, "a reversed period is refused, in Chinese")
    sign_in("supervisor")
    driver.get(base + "/supervision")
    check("电子监察" in driver.page_source and "满意率" in driver.page_source and "导出 CSV" in driver.page_source, "the supervisor sees the dashboard")
    shot("supervision")

    # 民呼我应: the person asks the market regulator; its reviewer answers; the person rates the answer
    submit("form[action='/logout'] button")
    sign_in("330106199003071236")
    driver.get(base + "/complaints/new")
    driver.find_element(By.CSS_SELECTOR, "input[name=kind][value=consultation]").click()
    driver.find_element(By.CSS_SELECTOR, "input[name=subject][value=department]").click()
    Select(driver.find_element(By.CSS_SELECTOR, "select[name=department]")).select_by_visible_text("杭州市西湖区市场监督管理局")
    driver.find_element(By.CSS_SELECTOR, "input[name=title]").send_keys("个体户变更经营范围")
    driver.find_element(By.CSS_SELECTOR, "textarea[name=body]").send_keys("短")
    submit("form[action='/complaints'] button")
    check("内容太短" in driver.page_source, "a too-short question is refused, in Chinese, the form kept")
    shot("complaint-errors")
    driver.find_element(By.CSS_SELECTOR, "textarea[name=body]").send_keys("请问个体工商户变更经营范围可以全程网上办理吗？")
    submit("form[action='/complaints'] button")
    check("已转给负责的部门" in driver.page_source and "待答复" in driver.page_source, "the question is sent to the department")
    complaint_url = driver.current_url.split("?")[0]
    submit("form[action='/logout'] button")
    sign_in("reviewer.amr")
    # 审管衔接: the market regulator's reviewers have a page of approvals handed to them to sign for
    submit("a[href='/handoffs']")
    check("审管衔接" in driver.page_source and "待签收" in driver.page_source, "the handoffs page lists what is to be signed for")
    driver.get(complaint_url)
    driver.find_element(By.CSS_SELECTOR, "textarea[name=answer]").send_keys("可以，登录后在“变更登记”中提交，无需到窗口。")
    submit("form[action$='/answer'] button")
    check("答复已发送" in driver.page_source, "the department answers")
    submit("form[action='/logout'] button")
    sign_in("330106199003071236")
    driver.get(complaint_url)
    driver.find_element(By.CSS_SELECTOR, "input[name=level][value='5']").click()
    submit("form[action$='/rating'] button")
    check("感谢您的评价" in driver.page_source and "非常满意" in driver.page_source, "the person rates the answer")
    shot("complaint")
    # what happened reached the person's inbox: the header counts it, the page lists it
    driver.get(base + "/")
    check(driver.find_elements(By.CSS_SELECTOR, "a[href='/messages'] .badge"), "the header shows unread messages")
    submit("a[href='/messages']")
    check("申请已提交" in driver.page_source and "您的诉求已答复" in driver.page_source, "the inbox lists the submission and the answer")
    shot("messages")
    submit("#messages form[action$='/open'] button")
    check(driver.current_url.split("?")[0] != base + "/messages", "opening a message follows its link")
    driver.get(base + "/messages")
    submit("form[action='/messages/read'] button")
    check(not driver.find_elements(By.CSS_SELECTOR, "a[href='/messages'] .badge"), "all read: the header's count is gone")
    # beyond the inbox: the demo's SMS file took the submission's message; the person chooses channels
    check("短信：已送达" in driver.page_source, "a message shows its SMS delivered")
    driver.get(base + "/messages/settings")
    driver.find_element(By.ID, "email").send_keys("zhang at example")
    submit("form[action='/messages/settings'] button[type=submit]")
    check("格式不正确" in driver.page_source and driver.find_elements(By.CSS_SELECTOR, "#email[aria-invalid=true]"),
          "a malformed address is refused at its field")
    address = driver.find_element(By.ID, "email")
    address.clear()
    address.send_keys("zhang.xiaoming@example.com")
    driver.find_element(By.CSS_SELECTOR, "input[value='complaints.sms']").click()
    submit("form[action='/messages/settings'] button[type=submit]")
    check("设置已保存" in driver.page_source and "z***@example.com" in driver.page_source, "the settings are saved, the address masked")
    check(driver.find_element(By.CSS_SELECTOR, "input[value='complaints.sms']").is_selected(), "the choice is kept")
    shot("message-settings")

    # 开办餐饮店 from the questionnaire to the last result and the rating: one application, the
    # licences waiting for the business licence and passed it, one parcel, the carrier's callback
    submit("form[action='/logout'] button")
    sign_in("91330106MA2KXTW08L")
    driver.get(base + "/catalog/bundles/ZJ-YJS-CYDK?go=1&entity=company&signboard=no&gathering=no&tobacco=yes")
    submit("a[href^='/apply?bundle=']")
    values = {"identityNumber": "330106199003071236", "creditCode": "91330106MA2KXTW08L", "mobile": "13800138000", "region": "330106",
              "address": "杭州市西湖区文三路90号", "number": "60", "date": "2026-12-01", "text": "云帆小馆"}
    for field in driver.find_elements(By.CSS_SELECTOR, "form[action='/apply'] input[data-kind], form[action='/apply'] select[data-kind]"):
        if field.get_attribute("readonly"):
            continue
        if field.tag_name == "select":
            field.find_elements(By.TAG_NAME, "option")[1].click()
        else:
            driver.execute_script("arguments[0].value = arguments[1]", field, values.get(field.get_attribute("data-kind"), "云帆小馆"))
    # a new business holds no licence yet: the business licence comes from the registration in the bundle
    for held in driver.find_elements(By.CSS_SELECTOR, "form[action='/apply'] input[type=checkbox][name^='l_']"):
        if held.is_selected():
            held.click()
    for upload in driver.find_elements(By.CSS_SELECTOR, "form[action='/apply'] input[type=file]"):
        upload.send_keys(pdf)
    for choice in driver.find_elements(By.CSS_SELECTOR, "form[action='/apply'] select[name^='d_']"):
        options = [o.get_attribute("value") for o in choice.find_elements(By.TAG_NAME, "option")]
        Select(choice).select_by_value("post" if "post" in options else options[0])
    driver.find_element(By.CSS_SELECTOR, "input[name=deliveryTogether]").click()
    for name, value in [("regionCode", "330106"), ("detail", "文三路90号东部软件园3号楼"), ("recipient", "张晓明"), ("mobile", "13800138000")]:
        driver.find_element(By.ID, "addr_" + name).send_keys(value)
    shot("bundle-apply-delivery")
    submit("form[action='/apply'] button")
    check("/applications/" in driver.current_url and "联办进度" in driver.page_source, "the bundle is one application with one progress view")
    bundle_number = driver.find_element(By.CSS_SELECTOR, "p.lead strong").text
    bundle_url = driver.current_url.split("?")[0]
    submit("form[action='/logout'] button")
    sign_in("clerk")
    driver.get(bundle_url)
    for step in ["passPrereview", "accept"]:
        while driver.find_elements(By.CSS_SELECTOR, f"form.action input[value='{step}'] ~ button"):
            submit(f"form.action input[value='{step}'] ~ button")
    check("已受理，等待前置事项结果" in driver.page_source, "the food and tobacco licences wait for the business licence")
    shot("bundle-accepted")
    submit("form[action='/logout'] button")

    def review_and_decide(login):
        sign_in(login)
        driver.get(bundle_url)
        while driver.find_elements(By.CSS_SELECTOR, "form.task-complete textarea"):
            driver.find_element(By.CSS_SELECTOR, "form.task-complete textarea").send_keys("材料齐全，符合法定形式")
            submit("form.task-complete button")
        driver.find_element(By.CSS_SELECTOR, "form.action input[value='decide'] ~ label textarea[name=reason]").send_keys("符合条件，准予许可")
        driver.find_element(By.CSS_SELECTOR, "form.action input[value='decide'] ~ label input[name=legalBasis]").send_keys("《行政许可法》第三十八条")
        submit("form.action input[value='decide'] ~ button")

    review_and_decide("reviewer.amr")
    check("证照自动传递" in driver.page_source and "前置事项已准予，开始审查" in driver.page_source,
          "the business licence is passed into the licences that waited, and their review starts")
    submit("form[action='/logout'] button")
    review_and_decide("reviewer.amr")
    driver.get(base + "/lead")
    check(bundle_number in driver.page_source and "牵头协调的一件事" in driver.page_source, "the lead department's page lists the bundle")
    shot("lead")
    submit("form[action='/logout'] button")
    review_and_decide("reviewer.tobacco")
    submit("form[action='/logout'] button")
    sign_in("clerk")
    driver.get(bundle_url)
    driver.find_element(By.CSS_SELECTOR, "form.action input[value='deliver'] ~ label input[name=trackingNumber]").send_keys("EA123456784CN")
    submit("form.action input[value='deliver'] ~ button")
    check("校验位" in driver.page_source, "a tracking number with a wrong check digit is refused, in Chinese")
    driver.find_element(By.CSS_SELECTOR, "form.action input[value='deliver'] ~ label input[name=trackingNumber]").send_keys("EA123456785CN")
    submit("form.action input[value='deliver'] ~ button")
    check("邮件 EA123456785CN（2 项结果）" in driver.page_source, "one parcel with both results to post (统一出件)")
    # the tobacco licence goes electronically, as chosen
    submit("form.action input[value='deliver'] ~ button")
    # the platform runs on its own clock (TONGBAN_CLOCK): the newest timeline entry says what time it is there
    import datetime
    newest = driver.find_elements(By.CSS_SELECTOR, "ol.timeline time")[0].text
    server_now = datetime.datetime.strptime(newest + " +0800", "%Y-%m-%d %H:%M %z") + datetime.timedelta(seconds=30)
    submit("form[action='/logout'] button")
    # the carrier says it is delivered, signed with the secret the operator shares with it
    import base64, hashlib, hmac, json, urllib.request
    secret = base64.b64decode(os.environ["TONGBAN_CARRIER_SECRETS"].split()[0].removeprefix("whsec_") + "==")
    body = json.dumps({"trackingNumber": "EA123456785CN", "status": "delivered", "at": "2026-11-24T16:00:00+08:00"}).encode()
    stamp = str(int(server_now.timestamp()))
    signature = base64.b64encode(hmac.new(secret, f"smoke_1.{stamp}.".encode() + body, hashlib.sha256).digest()).decode()
    request = urllib.request.Request(base + "/api/v1/carrier/events", data=body, method="POST", headers={
        "Content-Type": "application/json", "webhook-id": "smoke_1", "webhook-timestamp": stamp, "webhook-signature": "v1," + signature})
    answer = json.loads(urllib.request.urlopen(request).read())
    check(answer.get("status") == "delivered" and answer.get("moved") is True, "the carrier's signed callback marks the parcel delivered")
    # the posted results are concluded by the delivery; the clerk concludes the electronic one
    sign_in("clerk")
    driver.get(bundle_url)
    submit("form.action input[value='conclude'] ~ button")
    submit("form[action='/logout'] button")
    sign_in("91330106MA2KXTW08L")
    driver.get(bundle_url)
    check("已办结" in driver.page_source and "已妥投" in driver.page_source and "实际跑动 0 次" in driver.page_source,
          "every result delivered by post: concluded, no visit")
    shot("bundle-concluded")
    submit("a[href$='/rating']")
    driver.find_element(By.CSS_SELECTOR, "input[name=level][value='5']").click()
    submit("form[action$='/rating'] button")
    check("感谢您的评价" in driver.page_source, "the enterprise rates the whole bundle once")
finally:
    driver.quit()

print(f"browser smoke: {len(failures)} of the checks failed")
sys.exit(1 if failures else 0)
